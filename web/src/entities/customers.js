// The customers entity (src/crm/customer.c customer_fields): every field with
// its type, limits and the group it belongs to. The create/edit form and the
// 360 profile are generated from this table (plus the tenant's custom fields);
// labels come from the i18n catalogue (fields.customers.<name>).
export const CUSTOMER_KINDS = ['organisation', 'person']
export const CUSTOMER_TYPES = ['end_customer', 'distributor', 'dealer', 'wholesaler', 'agent', 'other']
export const CUSTOMER_STATUSES = ['lead', 'prospect', 'customer', 'former']

// groups in the order the form and the profile show them (customers.groups.<key>)
export const CUSTOMER_GROUPS = ['basic', 'contact', 'terms', 'psychographic', 'analytical']

const T = (name, group, max, extra = {}) => ({ name, type: max > 300 ? 'textarea' : 'text', group, max, ...extra })

export default {
  resource: 'customers',
  perm: { read: 'customers.read', write: 'customers.write' },
  title: (r) => (r ? r.name : ''),
  // server-side sorts (name follows pinyin order: the hidden name_sort twin)
  sorts: ['-id', 'name', '-name', '-updated_at', '-last_follow_up_at', 'last_follow_up_at', 'code', '-credit_limit'],
  customFields: true,
  fields: [
    // basic
    { name: 'name', type: 'text', group: 'basic', required: true, max: 200, filter: true, sort: true },
    { name: 'kind', type: 'enum', group: 'basic', options: 'customer_kind', values: CUSTOMER_KINDS },
    { name: 'type', type: 'enum', group: 'basic', options: 'customer_type', values: CUSTOMER_TYPES, optionList: 'customer_type' },
    { name: 'status', type: 'enum', group: 'basic', options: 'customer_status', values: CUSTOMER_STATUSES },
    { name: 'code', type: 'text', group: 'basic', max: 64, autoOnCreate: true },
    { name: 'owner_id', type: 'ref', ref: 'users', group: 'basic', createOnly: true, virtual: true },
    T('source', 'basic', 100),
    T('industry', 'basic', 100),
    { name: 'tags', type: 'tags', group: 'basic', max: 500 },
    // contact background
    { name: 'phone', type: 'phone', group: 'contact', max: 40 },
    { name: 'mobile', type: 'phone', group: 'contact', max: 40 },
    { name: 'email', type: 'email', group: 'contact', max: 254 },
    { name: 'fax', type: 'phone', group: 'contact', max: 40 },
    { name: 'website', type: 'url', group: 'contact', max: 300 },
    T('country', 'contact', 100),
    T('province', 'contact', 100),
    T('city', 'contact', 100),
    T('address', 'contact', 500, { span: true }),
    T('postcode', 'contact', 20),
    // transaction terms
    { name: 'currency', type: 'currency', group: 'terms' },
    { name: 'credit_limit', type: 'money', group: 'terms' },
    T('payment_terms', 'terms', 500),
    T('discount_terms', 'terms', 500),
    T('tax_id', 'terms', 64),
    T('tax_rule', 'terms', 200),
    T('bank_name', 'terms', 200),
    T('bank_account', 'terms', 100),
    T('sales_rep_code', 'terms', 64),
    T('commission_code', 'terms', 64),
    T('invoice_title', 'terms', 200, { span: true }),
    T('invoice_address', 'terms', 500, { span: true }),
    T('delivery_address', 'terms', 500, { span: true }),
    // psychographic profile
    T('interests', 'psychographic', 2000),
    T('hobbies', 'psychographic', 2000),
    T('motives', 'psychographic', 2000),
    T('perceptions', 'psychographic', 2000),
    T('attitudes', 'psychographic', 2000),
    T('opinions', 'psychographic', 2000),
    // statistical / analytical data
    T('evaluation_of_us', 'analytical', 2000),
    T('contract_fulfilment', 'analytical', 2000),
    T('competitor_dealings', 'analytical', 2000),
    T('demand_characteristics', 'analytical', 2000),
    T('potential', 'analytical', 2000),
    // notes (basic, full width)
    { name: 'notes', type: 'textarea', group: 'basic', max: 10000, span: true },
    // kept by the system
    { name: 'in_pool', type: 'bool', readOnly: true },
    { name: 'pool_entered_at', type: 'datetime', readOnly: true },
    { name: 'last_follow_up_at', type: 'datetime', readOnly: true },
    { name: 'merged_into', type: 'ref', ref: 'customers', readOnly: true },
  ],
}
