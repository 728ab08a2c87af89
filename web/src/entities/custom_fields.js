// Custom-field definitions (src/entity/custom.c cf_fields) and option lists
// (ov_fields), both administered at run time.
export const CF_ENTITIES = ['customers', 'contacts', 'activities']
export const CF_TYPES = ['text', 'number', 'money', 'date', 'option', 'multi_option', 'boolean']
// option lists the server validates against (customer types now; later modules add theirs)
export const OPTION_LISTS = ['customer_type']

export default {
  resource: 'custom-fields',
  perm: { read: 'custom_fields.read', write: 'custom_fields.write' },
  title: (r) => (r ? r.name : ''),
  sorts: ['position'],
  fields: [
    { name: 'entity', type: 'enum', options: 'cf_entity', values: CF_ENTITIES, createOnly: true, required: true },
    { name: 'name', type: 'text', createOnly: true, required: true, max: 40 },
    { name: 'type', type: 'enum', options: 'cf_type', values: CF_TYPES, createOnly: true, required: true },
    { name: 'label_zh_cn', type: 'text', required: true, max: 100 },
    { name: 'label_zh_tw', type: 'text', max: 100 },
    { name: 'label_en', type: 'text', max: 100 },
    { name: 'options', type: 'json' },
    { name: 'required', type: 'bool' },
    { name: 'searchable', type: 'bool' },
    { name: 'position', type: 'int' },
  ],
}

export const optionValues = {
  resource: 'option-values',
  perm: { read: 'option_values.read', write: 'option_values.write' },
  title: (r) => (r ? r.value : ''),
  sorts: ['position'],
  fields: [
    { name: 'list', type: 'text', createOnly: true, required: true, max: 40 },
    { name: 'value', type: 'text', createOnly: true, required: true, max: 60 },
    { name: 'label_zh_cn', type: 'text', required: true, max: 100 },
    { name: 'label_zh_tw', type: 'text', max: 100 },
    { name: 'label_en', type: 'text', max: 100 },
    { name: 'position', type: 'int' },
  ],
}
