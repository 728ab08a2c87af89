// The relationships entity (src/crm/customer.c relationship_fields): the
// staff who serve a customer (its relationship team).
export const REL_ROLES = ['owner', 'sales', 'service', 'technical', 'manager', 'executive', 'other']

export default {
  resource: 'relationships',
  perm: { read: 'relationships.read', write: 'relationships.write' },
  title: () => '',
  sorts: [],
  fields: [
    { name: 'customer_id', type: 'ref', ref: 'customers', createOnly: true },
    { name: 'user_id', type: 'ref', ref: 'users', createOnly: true },
    { name: 'role', type: 'enum', options: 'rel_role', values: REL_ROLES },
    { name: 'since', type: 'date' },
    { name: 'notes', type: 'textarea', max: 2000 },
  ],
}
