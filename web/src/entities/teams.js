// The teams entity (src/crm/user.c team_fields).
export default {
  resource: 'teams',
  perm: { read: 'teams.read', write: 'teams.write' },
  title: (r) => (r ? r.name : ''),
  sorts: ['name', '-name', '-created_at', '-updated_at'],
  fields: [
    { name: 'name', type: 'text', required: true, max: 100 },
    { name: 'description', type: 'textarea', max: 2000 },
    { name: 'manager_id', type: 'ref', ref: 'users' },
    { name: 'parent_id', type: 'ref', ref: 'teams' },
  ],
}
