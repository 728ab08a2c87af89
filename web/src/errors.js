// errors.js — turns an ApiError into words in the UI language: a message for
// the whole request, and one per field for validation errors.
import { ElMessage } from 'element-plus/es/components/message/index.mjs'
import 'element-plus/es/components/message/style/css'
import { t, te } from './i18n/index.js'

/** The localized message for one {field, code, message} of errors[]. */
export function fieldMessage(field, err) {
  if (!err) return ''
  const k1 = `errors.field.${field}.${err.code}`
  if (te(k1)) return t(k1)
  const k2 = `errors.code.${err.code}`
  if (te(k2)) return t(k2)
  return err.message || t('errors.code.invalid')
}

/** A one-line message for the whole failure. */
export function errorMessage(err) {
  if (!err) return ''
  const s = err.status
  if (s === undefined) return String(err.message || err)
  const k = `errors.status.${s}`
  if (te(k)) return t(k)
  return err.detail || t('errors.status.other', { status: s })
}

/** Shows a failure as a toast. */
export function toastError(err) {
  ElMessage({ type: 'error', message: errorMessage(err), showClose: true, duration: 5000 })
}

export function toastOk(message) {
  ElMessage({ type: 'success', message, duration: 2500 })
}
