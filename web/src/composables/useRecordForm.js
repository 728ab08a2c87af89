// useRecordForm — the state of a create/edit form of one entity record:
// the form model, the diff that PATCH sends, server errors on the right
// fields, and the "someone else changed it" (412) path: reload the latest
// version and keep this user's edits on top of it. With customDefs, the
// record's custom fields are part of the form (model.custom, "custom" in the
// body, errors on "custom.<name>").
import { reactive, ref, shallowRef } from 'vue'
import { api, entityApi } from '../api.js'
import { useServerForm } from './useServerForm.js'

const norm = (v) => (v === '' || v === undefined || (Array.isArray(v) && !v.length) ? null : v)
const same = (a, b) => JSON.stringify(norm(a)) === JSON.stringify(norm(b))

/** fields: [{name, createOnly?, writeOnly?, text?}] of the form;
 * opts.customDefs: () => the custom-field definitions shown (meta.js);
 * opts.path: the API path when not /<entity>. */
export function useRecordForm(entity, fields, opts = {}) {
  const path = opts.path || entity
  const rest = entityApi(path)
  const names = fields.map((f) => f.name)
  const defs = () => (opts.customDefs ? opts.customDefs() : [])
  const model = reactive(Object.fromEntries(names.map((n) => [n, null])))
  if (opts.customDefs) model.custom = reactive({})
  const base = shallowRef(null) // the stored record the form started from
  const sf = useServerForm(() => [...names, ...defs().map((d) => `custom.${d.name}`)], entity)
  const saving = ref(false)
  const reloaded = ref(false)
  const lastError = shallowRef(null)

  function customInitial(d, rec) {
    const v = rec && rec.custom ? rec.custom[d.name] : undefined
    if (v === undefined || v === null) return d.type === 'multi_option' ? [] : d.type === 'text' ? '' : null
    return Array.isArray(v) ? [...v] : v
  }

  function load(rec, defaults = {}) {
    base.value = rec
    reloaded.value = false
    lastError.value = null
    sf.clear()
    for (const f of fields) {
      let v = rec ? (f.writeOnly ? null : rec[f.name]) : defaults[f.name]
      if (v === undefined) v = null
      if (v === null && f.text) v = ''
      model[f.name] = v
    }
    if (model.custom) {
      for (const k of Object.keys(model.custom)) delete model.custom[k]
      for (const d of defs()) model.custom[d.name] = customInitial(d, rec)
    }
  }

  /** Definitions that arrived after load(): give them their initial value. */
  function syncCustom() {
    if (!model.custom) return
    for (const d of defs()) if (!(d.name in model.custom)) model.custom[d.name] = customInitial(d, base.value)
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
    if (model.custom) {
      const custom = {}
      const was = (base.value && base.value.custom) || {}
      for (const d of defs()) {
        let v = model.custom[d.name]
        if (typeof v === 'string') v = v.trim()
        v = norm(v)
        if (!base.value ? v !== null : !same(v, was[d.name])) custom[d.name] = v
      }
      if (Object.keys(custom).length) out.custom = custom
    }
    return out
  }

  /** Creates or updates; resolves to {record, created} or null when it failed
   * (the errors are on the form, the ApiError in lastError) or nothing changed
   * ({record: base, created: false, unchanged: true}). query: for the create
   * (e.g. {force: 'true'}). */
  async function save(query) {
    sf.clear()
    lastError.value = null
    const body = changes()
    if (base.value && !Object.keys(body).length) return { record: base.value, created: false, unchanged: true }
    saving.value = true
    try {
      const rec = base.value ? await rest.update(base.value.id, base.value.version, body)
        : await api.post(`/${path}`, body, { query })
      const created = !base.value
      base.value = rec
      return { record: rec, created }
    } catch (e) {
      lastError.value = e
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
    for (const [k, v] of Object.entries(mine)) {
      if (k === 'custom') for (const [ck, cv] of Object.entries(v)) model.custom[ck] = cv
      else model[k] = v
    }
    reloaded.value = true
    return latest
  }

  return {
    model, base, errors: sf.errors, general: sf.general, stale: sf.stale, saving, reloaded, lastError,
    load, syncCustom, save, changes, reloadKeepingEdits, clear: sf.clear, apply: sf.apply,
  }
}
