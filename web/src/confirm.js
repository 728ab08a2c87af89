// confirm.js — a yes/no question before a destructive action (delete,
// revoke, disable), in the UI language. Resolves true or false.
import { ElMessageBox } from 'element-plus/es/components/message-box/index.mjs'
import 'element-plus/es/components/message-box/style/css'
import { t } from './i18n/index.js'

export async function confirm(message, { title, ok, danger = true } = {}) {
  try {
    await ElMessageBox.confirm(message, title || t('common.confirmTitle'), {
      confirmButtonText: ok || t('common.ok'),
      cancelButtonText: t('common.cancel'),
      type: danger ? 'warning' : 'info',
      confirmButtonClass: danger ? 'el-button--danger' : '',
      autofocus: false,
    })
    return true
  } catch {
    return false
  }
}
