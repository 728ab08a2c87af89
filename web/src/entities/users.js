// The users entity (src/crm/user.c user_fields).
export const ROLES = ['admin', 'manager', 'sales', 'service', 'marketing', 'readonly']
export const USER_LOCALES = ['zh-CN', 'zh-TW', 'en']

export default {
  resource: 'users',
  perm: { read: 'users.read', write: 'users.write' },
  title: (r) => (r ? r.display_name || r.username : ''),
  sorts: ['display_name', '-display_name', 'username', '-last_login_at', '-created_at', 'role'],
  fields: [
    { name: 'username', type: 'text', required: true, createOnly: true, max: 64 },
    { name: 'display_name', type: 'text', required: true, max: 100 },
    { name: 'email', type: 'email', max: 254 },
    { name: 'phone', type: 'phone', max: 40 },
    { name: 'role', type: 'enum', options: 'role', values: ROLES, required: true },
    { name: 'team_id', type: 'ref', ref: 'teams' },
    { name: 'locale', type: 'enum', options: 'locale', values: USER_LOCALES },
    { name: 'password', type: 'password', writeOnly: true },
    { name: 'password_hash', type: 'password', hidden: true },
    { name: 'disabled_at', type: 'datetime', readOnly: true },
    { name: 'last_login_at', type: 'datetime', readOnly: true },
  ],
}
