// useServerForm — validation errors of a form: the server's errors[] mapped
// onto the form items by field name (el-form-item :error), anything that
// names no field of this form shown above it, plus the 412 "changed by
// someone else" state. Custom fields are named "custom.<name>" like the
// server's errors[].field.
import { reactive, ref } from 'vue'
import { fieldMessage, errorMessage } from '../errors.js'
import { fieldLabel } from '../entities/index.js'

/** fields: the names the form shows (an array, or a function returning one
 * when they are known only later, e.g. custom fields); entity: for labels
 * in general messages. */
export function useServerForm(fields, entity) {
  const names = () => (typeof fields === 'function' ? fields() : fields)
  const errors = reactive(Object.fromEntries(names().map((f) => [f, ''])))
  const general = ref('')
  const stale = ref(false)

  function clear() {
    for (const f of Object.keys(errors)) errors[f] = ''
    general.value = ''
    stale.value = false
  }
  function setLocal(field, message) { errors[field] = message }
  function hasErrors() { return Object.keys(errors).some((f) => errors[f]) }

  /** Shows err (an ApiError) on the form; returns true if it was one. */
  function apply(err) {
    clear()
    if (!err || err.status === undefined) {
      general.value = String(err && err.message || err)
      return false
    }
    if (err.status === 412) {
      stale.value = true
      return true
    }
    const shown = names()
    const rest = []
    for (const e of err.errors || []) {
      if (e.field && shown.includes(e.field)) {
        if (!errors[e.field]) errors[e.field] = fieldMessage(e.field, e)
      } else {
        const label = e.field && entity ? `${fieldLabel(entity, e.field)}: ` : ''
        rest.push(label + fieldMessage(e.field || '', e))
      }
    }
    // the password hash check reports on password_hash
    if (!errors.password && err.fieldErrors && err.fieldErrors.password_hash && shown.includes('password')) {
      errors.password = fieldMessage('password', err.fieldErrors.password_hash)
    }
    if (rest.length) general.value = rest.join(' · ')
    else if (!(err.errors || []).length) general.value = errorMessage(err)
    return true
  }

  return { errors, general, stale, clear, apply, setLocal, hasErrors }
}
