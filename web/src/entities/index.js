// entities/index.js — what the web app knows about each entity: its fields
// (type, options, which can be filtered or sorted), mirroring the server's
// descriptors (src/crm/*.c). Labels never come from here: they are looked up
// in the i18n catalogue as fields.<entity>.<field> (then fields.common.<field>);
// custom fields ("custom.<name>") are labelled by their definitions.
import { t, te } from '../i18n/index.js'
import { formatDateTime, formatDay, formatMoney, formatNumber } from '../format.js'
import { refName } from '../refs.js'
import { customField, optionList, localLabel } from '../meta.js'
import users from './users.js'
import teams from './teams.js'
import customers from './customers.js'
import contacts from './contacts.js'
import activities from './activities.js'
import relationships from './relationships.js'
import customFieldsEntity, { optionValues } from './custom_fields.js'

export const entities = {
  users, teams, customers, contacts, activities, relationships,
  custom_fields: customFieldsEntity, option_values: optionValues,
}

export function fieldLabel(entity, field) {
  if (typeof field === 'string' && field.startsWith('custom.')) {
    const d = customField(entity, field.slice(7))
    return d ? localLabel(d) : field.slice(7)
  }
  const k = `fields.${entity}.${field}`
  if (te(k)) return t(k)
  const c = `fields.common.${field}`
  return te(c) ? t(c) : t('common.unknownField')
}

/** An option's label: the catalogue (options.<set>.<value>), else the
 * tenant's option list of the same name (its own customer types), else the
 * value itself. */
export function optionLabel(optionSet, value) {
  if (value === null || value === undefined || value === '') return ''
  const k = `options.${optionSet}.${value}`
  if (te(k)) return t(k)
  const own = optionList(optionSet).find((o) => o.value === value)
  return own ? localLabel(own) : String(value)
}

/** Whether a history row of this field is worth showing: the server also
 * records its hidden twins (name_key, name_sort, email_key...) as "(changed)". */
export function isShownField(entity, field) {
  if (!field) return false
  if (field.startsWith('custom.') || ['deleted_at', 'disabled_at', 'password_hash'].includes(field)) return true
  const d = entities[entity]
  if (!d) return true
  return d.fields.some((f) => f.name === field && !f.hidden)
}

const truthy = (v) => v === true || v === 'true' || v === 1 || v === '1'

/** A custom field's value as people read it (def from meta.js). */
export function customDisplay(def, value) {
  if (value === null || value === undefined || value === '') return ''
  switch (def && def.type) {
    case 'boolean': return truthy(value) ? t('common.yes') : t('common.no')
    case 'money': return formatMoney(value)
    case 'number': return formatNumber(value)
    case 'date': return formatDay(value)
    case 'multi_option': return Array.isArray(value) ? value.join('、') : String(value)
    default: return String(value)
  }
}

/** A stored value as people read it: enum labels, names for references,
 * local dates. Works on history text values too (references come as text). */
export function displayValue(entity, fieldName, value, record) {
  if (value === null || value === undefined || value === '') return ''
  if (typeof fieldName === 'string' && fieldName.startsWith('custom.')) {
    const def = customField(entity, fieldName.slice(7))
    // history keeps multi-option values as JSON text
    if (def && def.type === 'multi_option' && typeof value === 'string' && value.startsWith('[')) {
      try { return customDisplay(def, JSON.parse(value)) } catch { /* shown as is */ }
    }
    return customDisplay(def, value)
  }
  const d = entities[entity]
  const f = d && d.fields.find((x) => x.name === fieldName)
  const type = f ? f.type : /_at$/.test(fieldName) ? 'datetime' : /_by$/.test(fieldName) ? 'ref' : 'text'
  switch (type) {
    case 'enum': return optionLabel(f.options, value)
    case 'datetime': return formatDateTime(value)
    case 'date': return formatDay(value)
    case 'bool': return truthy(value) ? t('common.yes') : t('common.no')
    case 'money': return formatMoney(value, record && record.currency)
    case 'int': return formatNumber(value)
    case 'tags': return String(value).split(',').filter(Boolean).join('、')
    case 'ref': return refName(f && f.ref ? f.ref : 'users', value) || `#${value}`
    default: return String(value)
  }
}
