// entities/index.js — what the web app knows about each entity: its fields
// (type, options, which can be filtered or sorted), mirroring the server's
// descriptors (src/crm/*.c). Labels never come from here: they are looked up
// in the i18n catalogue as fields.<entity>.<field> (then fields.common.<field>).
import { t, te } from '../i18n/index.js'
import { formatDateTime } from '../format.js'
import { refName } from '../refs.js'
import users from './users.js'
import teams from './teams.js'
import customers from './customers.js'

export const entities = { users, teams, customers }

export function fieldLabel(entity, field) {
  const k = `fields.${entity}.${field}`
  if (te(k)) return t(k)
  const c = `fields.common.${field}`
  return te(c) ? t(c) : t('common.unknownField')
}

export function optionLabel(optionSet, value) {
  if (value === null || value === undefined || value === '') return ''
  const k = `options.${optionSet}.${value}`
  return te(k) ? t(k) : String(value)
}

/** A stored value as people read it: enum labels, names for references,
 * local dates. Works on history text values too (references come as text). */
export function displayValue(entity, fieldName, value) {
  if (value === null || value === undefined || value === '') return ''
  const d = entities[entity]
  const f = d && d.fields.find((x) => x.name === fieldName)
  const type = f ? f.type : /_at$/.test(fieldName) ? 'datetime' : /_by$/.test(fieldName) ? 'ref' : 'text'
  switch (type) {
    case 'enum': return optionLabel(f.options, value)
    case 'datetime': return formatDateTime(value)
    case 'bool': return value === true || value === 'true' || value === 1 || value === '1' ? t('common.yes') : t('common.no')
    case 'ref': return refName(f && f.ref ? f.ref : 'users', value) || `#${value}`
    default: return String(value)
  }
}
