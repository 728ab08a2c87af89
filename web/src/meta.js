// meta.js — run-time metadata of the tenant: custom-field definitions per
// entity (/custom-fields) and option lists such as the company's own
// customer types (/option-values). Loaded on demand, cached for the session,
// refreshed after an admin changes them; labels in the UI language.
import { reactive } from 'vue'
import { api } from './api.js'
import { currentLocale } from './i18n/index.js'

const state = reactive({ fields: {}, lists: {} })
const inflight = new Map()

function once(key, load) {
  if (inflight.has(key)) return inflight.get(key)
  const p = load().finally(() => inflight.delete(key))
  inflight.set(key, p)
  return p
}

/** The custom-field definitions of entity (customers, contacts, activities). */
export function loadCustomFields(entity, { force = false } = {}) {
  if (!force && state.fields[entity]) return Promise.resolve(state.fields[entity])
  return once(`f:${entity}`, async () => {
    try {
      const out = await api.get('/custom-fields', { 'filter[entity]': entity, sort: 'position', limit: 200 })
      state.fields[entity] = out.items || []
    } catch (e) {
      if (!state.fields[entity]) state.fields[entity] = []
      throw e
    }
    return state.fields[entity]
  })
}

/** The definitions already loaded ([] until loadCustomFields answered). */
export function customFields(entity) {
  return state.fields[entity] || []
}

export function customField(entity, name) {
  return customFields(entity).find((d) => d.name === name) || null
}

/** The values of an option list (value, label_*, position) of this tenant. */
export function loadOptionList(list, { force = false } = {}) {
  if (!force && state.lists[list]) return Promise.resolve(state.lists[list])
  return once(`l:${list}`, async () => {
    try {
      const out = await api.get('/option-values', { 'filter[list]': list, sort: 'position', limit: 200 })
      state.lists[list] = out.items || []
    } catch (e) {
      if (!state.lists[list]) state.lists[list] = []
      throw e
    }
    return state.lists[list]
  })
}

export function optionList(list) {
  return state.lists[list] || []
}

/** A definition's label in the UI language (label_zh_cn / label_zh_tw /
 * label_en), falling back to the other languages, then the name. */
export function localLabel(rec) {
  if (!rec) return ''
  const order = currentLocale.value === 'zh-TW' ? ['label_zh_tw', 'label_zh_cn', 'label_en']
    : currentLocale.value === 'en' ? ['label_en', 'label_zh_cn', 'label_zh_tw']
    : ['label_zh_cn', 'label_zh_tw', 'label_en']
  for (const k of order) if (rec[k]) return rec[k]
  return rec.name || rec.value || ''
}

/** All of a definition's labels, for a list that shows them together:
 * "上海 / 上海 / Shanghai" (the empty ones left out). */
export function allLabels(rec) {
  return [rec.label_zh_cn, rec.label_zh_tw, rec.label_en].filter(Boolean).join(' / ')
}

/** After logout: another tenant may log in next. */
export function forgetMeta() {
  for (const k of Object.keys(state.fields)) delete state.fields[k]
  for (const k of Object.keys(state.lists)) delete state.lists[k]
}
