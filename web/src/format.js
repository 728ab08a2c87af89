// format.js — dates, numbers and money through Intl, in the UI language and
// the tenant's time zone and currency.
import { currentLocale } from './i18n/index.js'
import { session } from './session.js'

const cache = new Map()
function fmt(kind, opts) {
  const key = `${kind}|${currentLocale.value}|${JSON.stringify(opts)}`
  let f = cache.get(key)
  if (!f) {
    const loc = currentLocale.value === 'en' ? 'en' : currentLocale.value
    f = kind === 'date' ? new Intl.DateTimeFormat(loc, opts)
      : kind === 'rel' ? new Intl.RelativeTimeFormat(loc, opts)
      : new Intl.NumberFormat(loc, opts)
    cache.set(key, f)
  }
  return f
}

function timeZone() {
  const tz = session.tenant && session.tenant.time_zone
  if (!tz) return undefined
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return tz
  } catch { return undefined }
}

function toDate(v) {
  if (v === null || v === undefined || v === '') return null
  const d = v instanceof Date ? v : new Date(v)
  return Number.isNaN(d.getTime()) ? null : d
}

/** "2026年11月24日 20:29" / "Nov 24, 2026, 8:29 PM" in the tenant's time zone. */
export function formatDateTime(v, { seconds = false } = {}) {
  const d = toDate(v)
  return d ? fmt('date', { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short', timeZone: timeZone() }).format(d) : ''
}

export function formatDate(v) {
  const d = toDate(v)
  return d ? fmt('date', { dateStyle: 'medium', timeZone: timeZone() }).format(d) : ''
}

/** A calendar day stored as YYYY-MM-DD (a birthday), without time-zone shifts. */
export function formatDay(v) {
  if (!v) return ''
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v))
  if (!m) return formatDate(v)
  return fmt('date', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])))
}

/** A month stored as YYYY-MM ("2026-03" → "2026年3月" / "Mar 2026"). */
export function formatMonth(v) {
  const m = /^(\d{4})-(\d{2})$/.exec(String(v || ''))
  if (!m) return v || ''
  return fmt('date', { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(+m[1], +m[2] - 1, 1)))
}

/** "3 天前" / "3 days ago" for recent times, the date for older ones. */
export function formatRelative(v) {
  const d = toDate(v)
  if (!d) return ''
  const s = (d.getTime() - Date.now()) / 1000
  const a = Math.abs(s)
  const rel = fmt('rel', { numeric: 'auto' })
  if (a < 60) return rel.format(Math.round(s), 'second')
  if (a < 3600) return rel.format(Math.round(s / 60), 'minute')
  if (a < 86400) return rel.format(Math.round(s / 3600), 'hour')
  if (a < 86400 * 30) return rel.format(Math.round(s / 86400), 'day')
  return formatDate(d)
}

export function formatNumber(n, opts = {}) {
  if (n === null || n === undefined || n === '') return ''
  return fmt('num', opts).format(Number(n))
}

/** How many minor-unit digits a currency has (CNY 2, JPY 0). */
export function currencyDigits(currency) {
  const cur = currency || (session.tenant && session.tenant.currency) || 'CNY'
  try { return fmt('num', { style: 'currency', currency: cur }).resolvedOptions().maximumFractionDigits } catch { return 2 }
}

/** Minor units → a number of major units (12345 fen → 123.45 yuan). */
export function fromMinor(minor, currency) {
  if (minor === null || minor === undefined || minor === '') return null
  return Number(minor) / 10 ** currencyDigits(currency)
}

/** Major units typed by a person → integer minor units. */
export function toMinor(major, currency) {
  if (major === null || major === undefined || major === '' || Number.isNaN(Number(major))) return null
  return Math.round(Number(major) * 10 ** currencyDigits(currency))
}

/** "42%" in the UI language. */
export function formatPercent(x, digits = 0) {
  if (x === null || x === undefined || x === '') return ''
  return fmt('num', { style: 'percent', maximumFractionDigits: digits }).format(Number(x))
}

/** Money is integer minor units plus an ISO 4217 code (DESIGN.md). */
export function formatMoney(minor, currency) {
  if (minor === null || minor === undefined) return ''
  const cur = currency || (session.tenant && session.tenant.currency) || 'CNY'
  let digits = 2
  try { digits = fmt('num', { style: 'currency', currency: cur }).resolvedOptions().maximumFractionDigits } catch { /* unknown code */ }
  try {
    return fmt('num', { style: 'currency', currency: cur }).format(Number(minor) / 10 ** digits)
  } catch {
    return `${cur} ${formatNumber(Number(minor) / 100)}`
  }
}

/** The name of a currency or time zone in the UI language, when Intl knows it. */
export function currencyName(code) {
  try {
    return new Intl.DisplayNames([currentLocale.value], { type: 'currency' }).of(code) || code
  } catch { return code }
}
