// useRecordForm — the state of a create/edit form of one entity record:
// the form model, the diff that PATCH sends, server errors on the right
// fields, and the "someone else changed it" (412) path: reload the latest
// version and keep this user's edits on top of it.
import { reactive, ref, shallowRef } from 'vue'
import { entityApi } from '../api.js'
import { useServerForm } from './useServerForm.js'

const norm = (v) => (v === '' || v === undefined ? null : v)

/** fields: [{name, createOnly?, writeOnly?}] of the form. */
export function useRecordForm(entity, fields) {
  const rest = entityApi(entity)
  const names = fields.map((f) => f.name)
  const model = reactive(Object.fromEntries(names.map((n) => [n, null])))
  const base = shallowRef(null) // the stored record the form started from
  const sf = useServerForm(names, entity)
  const saving = ref(false)
  const reloaded = ref(false)

  function load(rec, defaults = {}) {
    base.value = rec
    reloaded.value = false
    sf.clear()
    for (const f of fields) {
      let v = rec ? (f.writeOnly ? null : rec[f.name]) : defaults[f.name]
      if (v === undefined) v = null
      if (v === null && f.text) v = ''
      model[f.name] = v
    }
  }

  /** The fields that differ from the stored record (all set ones on create). */
  function changes() {
    const out = {}
    for (const f of fields) {
      let v = model[f.name]
      if (typeof v === 'string' && !f.writeOnly) v = v.trim()
      v = norm(v)
      if (!base.value) {
        if (v !== null) out[f.name] = v
      } else if (f.writeOnly) {
        if (v !== null) out[f.name] = v
      } else if (!f.createOnly && v !== norm(base.value[f.name])) {
        out[f.name] = v
      }
    }
    return out
  }

  /** Creates or updates; resolves to {record, created} or null when it failed
   * (the errors are on the form) or nothing changed ({record: base, created: false, unchanged: true}). */
  async function save() {
    sf.clear()
    const body = changes()
    if (base.value && !Object.keys(body).length) return { record: base.value, created: false, unchanged: true }
    saving.value = true
    try {
      const rec = base.value ? await rest.update(base.value.id, base.value.version, body) : await rest.create(body)
      const created = !base.value
      base.value = rec
      return { record: rec, created }
    } catch (e) {
      sf.apply(e)
      return null
    } finally {
      saving.value = false
    }
  }

  /** After a 412: fetch the latest version and put this user's edits on it. */
  async function reloadKeepingEdits() {
    const mine = changes()
    const latest = await rest.get(base.value.id)
    load(latest)
    for (const [k, v] of Object.entries(mine)) model[k] = v
    reloaded.value = true
    return latest
  }

  return { model, base, errors: sf.errors, general: sf.general, stale: sf.stale, saving, reloaded, load, save, changes, reloadKeepingEdits, clear: sf.clear }
}
