// useFormDialog — the script of a record's form dialog on the admin pages
// (users, teams): whenever it opens, the record (or a new one with defaults)
// is loaded into the useRecordForm and the first input focused; Save saves,
// says so, hands the stored record to the page ('saved', record, created)
// and closes; after a 412 the latest version is reloaded keeping the edits.
import { computed, watch, ref, nextTick } from 'vue'
import { useI18n } from 'vue-i18n'
import { toastOk, toastError } from '../errors.js'

/** f: a useRecordForm; open: the dialog's model; props: {record, readonly};
 * emit: the dialog's emit; messages: the i18n prefix of view/edit/new;
 * name(rec): the record's name in messages; defaults: of a new record. */
export function useFormDialog(f, { open, props, emit, messages, name, defaults }) {
  const { t } = useI18n()
  const isEdit = computed(() => !!f.base.value)
  const firstInput = ref(null)
  watch(open, async (o) => {
    if (!o) return
    f.load(props.record, defaults)
    await nextTick()
    firstInput.value && firstInput.value.focus()
  }, { immediate: true })
  const title = computed(() => t(`${messages}.${props.readonly ? 'view' : isEdit.value ? 'edit' : 'new'}`))

  async function submit() {
    if (props.readonly) return
    const out = await f.save()
    if (!out) return
    if (!out.unchanged) {
      toastOk(out.created ? t('common.createdOk', { name: name(out.record) }) : t('common.savedOk', { name: name(out.record) }))
      emit('saved', out.record, out.created)
    }
    open.value = false
  }

  async function reload() {
    try { emit('saved', await f.reloadKeepingEdits(), false) } catch (e) { toastError(e) }
  }

  return { isEdit, firstInput, title, submit, reload }
}
