// useRowActions — what an admin list page of one entity (users, teams) does
// to its rows beside the list: opens the form dialog (new or edit) and the
// history drawer, takes the dialog's saved record back into the list, and
// deletes and restores with a confirmation and a toast. A 412 (someone else
// changed the row) reloads the list; a field error is told by its field.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { entityApi } from '../api.js'
import { rememberRefs } from '../refs.js'
import { fieldMessage, toastError, toastOk } from '../errors.js'
import { confirm } from '../confirm.js'

/** list: a useKeysetList; title(rec): the row's name in messages;
 * `<entity>.confirmDelete` is the question asked before deleting. */
export function useRowActions(entity, list, title) {
  const { t } = useI18n()
  const rest = entityApi(entity)
  const formOpen = ref(false)
  const editing = ref(null)
  const historyOpen = ref(false)
  const historyOf = ref(null)

  function openCreate() { editing.value = null; formOpen.value = true }
  function openEdit(rec) { editing.value = rec; formOpen.value = true }
  function openHistory(rec) { historyOf.value = rec; historyOpen.value = true }

  function onSaved(rec, created) {
    rememberRefs(entity, [rec])
    if (created) list.reload()
    else list.replace(rec)
  }

  function actionFailed(e) {
    if (e.status === 412) {
      toastError(e)
      list.reload()
      return
    }
    const first = e.errors && e.errors[0]
    toastError(first ? { status: undefined, message: fieldMessage(first.field || '', first) } : e)
  }

  async function remove(rec) {
    const name = title(rec)
    if (!(await confirm(t(`${entity}.confirmDelete`, { name }), { ok: t('common.delete') }))) return
    try {
      await rest.remove(rec.id, rec.version)
      list.remove(rec.id)
      if (list.total.value) list.total.value--
      toastOk(t('common.deletedOk', { name }))
    } catch (e) { actionFailed(e) }
  }

  async function restore(rec) {
    try {
      await rest.restore(rec.id)
      list.remove(rec.id)
      toastOk(t('common.restoredOk', { name: title(rec) }))
    } catch (e) { actionFailed(e) }
  }

  return { rest, formOpen, editing, historyOpen, historyOf, openCreate, openEdit, openHistory, onSaved, actionFailed, remove, restore }
}
