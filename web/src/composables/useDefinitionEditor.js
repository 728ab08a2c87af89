// useDefinitionEditor — the admin pages that define what other pages offer
// (custom fields, option lists): the form dialog's save and the list's
// delete, each followed by reloading the cached definitions and the list.
// Names in messages are the record's label in the UI language (localLabel).
import { ref, computed } from 'vue'
import { useI18n } from 'vue-i18n'
import { api } from '../api.js'
import { localLabel } from '../meta.js'
import { toastError, toastOk } from '../errors.js'
import { confirm } from '../confirm.js'

/** f: a useRecordForm; list: a useKeysetList; opts.path: the API path;
 * opts.messages: the i18n prefix of confirmDelete and deleted; opts.created:
 * the key of the "created" toast; opts.refresh(rec) → Promise: reload the
 * definitions rec belongs to; opts.beforeSave(): settles the model first. */
export function useDefinitionEditor(f, list, { path, messages, created, refresh, beforeSave }) {
  const { t } = useI18n()
  const formOpen = ref(false)
  const isEdit = computed(() => !!f.base.value)

  async function submit() {
    if (beforeSave) beforeSave()
    const out = await f.save()
    if (!out) return
    const name = localLabel(out.record)
    if (!out.unchanged) toastOk(out.created ? t(created, { name }) : t('common.savedOk', { name }))
    formOpen.value = false
    await refresh(out.record).catch(() => {})
    list.reload()
  }

  async function remove(rec) {
    const name = localLabel(rec)
    if (!(await confirm(t(`${messages}.confirmDelete`, { name }), { ok: t('common.delete') }))) return
    try {
      await api.del(`/${path}/${rec.id}`, rec.version)
      toastOk(t(`${messages}.deleted`, { name }))
      await refresh(rec).catch(() => {})
      list.reload()
    } catch (e) { toastError(e) }
  }

  return { formOpen, isEdit, submit, remove }
}
