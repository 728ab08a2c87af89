// The customers entity (src/crm/customer.c), as far as the first customer
// list shows it: only the columns below that the API returns are shown.
export default {
  resource: 'customers',
  perm: { read: 'customers.read', write: 'customers.write' },
  title: (r) => (r ? r.name : ''),
  sorts: [],
  fields: [
    { name: 'code', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'kind', type: 'enum', options: 'customer_kind' },
    { name: 'type', type: 'enum', options: 'customer_type' },
    { name: 'status', type: 'enum', options: 'customer_status' },
    { name: 'phone', type: 'phone' },
    { name: 'mobile', type: 'phone' },
    { name: 'email', type: 'email' },
    { name: 'owner_id', type: 'ref', ref: 'users' },
    { name: 'in_pool', type: 'bool' },
    { name: 'last_follow_up_at', type: 'datetime', readOnly: true },
  ],
}
