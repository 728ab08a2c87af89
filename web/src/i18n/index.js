// i18n/index.js — the three UI languages (zh-CN, zh-TW, en): picked from the
// browser on the first visit, switchable in the header, remembered in
// localStorage. Element Plus gets the matching locale (see App.vue).
import { createI18n } from 'vue-i18n'
import { ref } from 'vue'
import zhCN from './zh-CN.js'
import zhTW from './zh-TW.js'
import en from './en.js'
import epZhCn from 'element-plus/es/locale/lang/zh-cn.mjs'
import epZhTw from 'element-plus/es/locale/lang/zh-tw.mjs'
import epEn from 'element-plus/es/locale/lang/en.mjs'

export const LOCALES = [
  { code: 'zh-CN', name: '简体中文' },
  { code: 'zh-TW', name: '繁體中文' },
  { code: 'en', name: 'English' },
]
const CODES = LOCALES.map((l) => l.code)
const STORAGE_KEY = 'gx_locale'

export const elementLocales = { 'zh-CN': epZhCn, 'zh-TW': epZhTw, en: epEn }

/** Maps a BCP 47 tag to one of ours: zh-HK/zh-MO/zh-TW/zh-Hant → zh-TW,
 * other zh → zh-CN, en → en; null when none fits. */
export function matchLocale(tag) {
  const t = String(tag || '').toLowerCase()
  if (t === 'zh' || t.startsWith('zh-') || t.startsWith('zh_')) {
    return /^zh[-_](hant|tw|hk|mo)\b/.test(t) || /[-_]hant\b/.test(t) ? 'zh-TW' : 'zh-CN'
  }
  if (t === 'en' || t.startsWith('en-')) return 'en'
  return null
}

export function detectLocale() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (CODES.includes(saved)) return saved
  } catch { /* storage disabled */ }
  const langs = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]) || []
  for (const l of langs) {
    const m = matchLocale(l)
    if (m) return m
  }
  // A browser in a language we do not speak gets English.
  return 'en'
}

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: 'en',
  messages: { 'zh-CN': zhCN, 'zh-TW': zhTW, en },
  missingWarn: false,
  fallbackWarn: false,
})

/** The current locale as a ref usable outside components (format.js). */
export const currentLocale = ref(i18n.global.locale.value)

export function setLocale(code) {
  if (!CODES.includes(code)) return
  i18n.global.locale.value = code
  currentLocale.value = code
  try { localStorage.setItem(STORAGE_KEY, code) } catch { /* ignore */ }
  document.documentElement.setAttribute('lang', code)
}

setLocale(i18n.global.locale.value)

export const t = (...args) => i18n.global.t(...args)
export const te = (key) => i18n.global.te(key)
