// customFields.js — a custom-field definition (meta.js) as a field descriptor
// that FieldInput and the forms understand.
const TYPES = { text: 'text', number: 'number', money: 'money', date: 'date', option: 'choice', multi_option: 'choices', boolean: 'boolean' }

export function customDescriptor(def) {
  return {
    name: `custom.${def.name}`,
    key: def.name,
    type: TYPES[def.type] || 'text',
    max: def.type === 'text' ? 500 : undefined,
    choices: def.type === 'option' || def.type === 'multi_option' ? (Array.isArray(def.options) ? def.options : []) : undefined,
    required: !!def.required,
    custom: true,
    def,
  }
}
