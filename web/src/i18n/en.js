// English UI strings. Keep the same keys in zh-CN.js and zh-TW.js
// (tests/e2e/i18n.test.mjs checks it). No "@" or "|" in messages: vue-i18n
// reads them as links and plurals.
export default {
  common: {
    save: 'Save', cancel: 'Cancel', close: 'Close', ok: 'OK', delete: 'Delete', restore: 'Restore',
    edit: 'Edit', view: 'View', history: 'History', more: 'More actions', actions: 'Actions',
    status: 'Status', sort: 'Sort by', filters: 'Filters', loadMore: 'Load more', noData: 'Nothing here yet',
    none: 'None', yes: 'Yes', no: 'No', confirmTitle: 'Please confirm', unknownField: 'Other field',
    totalCount: '{n} in total', shown: 'Showing {n}', noChanges: 'Nothing was changed',
    createdOk: '{name} was created', savedOk: '{name} was saved', deletedOk: '{name} was deleted — you can restore it from "Deleted"',
    restoredOk: '{name} was restored',
  },
  layout: {
    skipToContent: 'Skip to content', navigation: 'Main navigation', openNav: 'Open the menu',
    collapseNav: 'Collapse the menu', expandNav: 'Expand the menu', language: 'Language', userMenu: 'Account menu of {name}',
  },
  nav: {
    home: 'Home', customers: 'Customers', users: 'Users', teams: 'Teams', tenant: 'Company settings',
    apiKeys: 'API keys', audit: 'Audit log',
    groups: { admin: 'Administration' },
  },
  entities: {
    users: 'Users', teams: 'Teams', tenant: 'Company settings', api_keys: 'API keys',
    customers: 'Customers', contacts: 'Contacts', activities: 'Activities',
  },
  search: { placeholder: 'Search…  ( / )', label: 'Search everything', noResults: 'No matches' },
  login: {
    title: 'guanxi CRM', subtitle: 'Relationships, kept.', username: 'User name', password: 'Password',
    submit: 'Log in', wrong: 'Wrong user name or password, or the account is disabled.',
    throttled: 'Too many failed attempts. Wait a minute and try again.',
  },
  user: {
    changePassword: 'Change password', logout: 'Log out', currentPassword: 'Current password',
    newPassword: 'New password', confirmPassword: 'New password again', passwordMismatch: 'The two passwords differ',
    passwordChanged: 'Your password was changed',
  },
  home: {
    hello: '{greeting}, {name}', morning: 'Good morning', afternoon: 'Good afternoon', evening: 'Good evening',
    companySettings: 'Company', shortcuts: 'Go to',
    about: {
      customers: 'The customer file', users: 'People who use guanxi, their roles and teams',
      teams: 'Sales and service teams', tenant: 'Name, time zone, currency, language',
      apiKeys: 'Keys for ERP, shop and other integrations', audit: 'Who did what, and when',
    },
  },
  users: {
    new: 'New user', edit: 'Edit user', view: 'User', me: 'you', searchPlaceholder: 'Search name, user name, email, phone',
    disable: 'Disable', enable: 'Enable', neverLoggedIn: 'never',
    confirmDisable: 'Disable {name}? They are logged out at once and cannot log in until enabled again.',
    confirmDelete: 'Delete {name}? The user is moved to "Deleted" and can be restored.',
    disabledOk: '{name} was disabled', enabledOk: '{name} was enabled',
    newPassword: 'New password', passwordKeep: 'Leave empty to keep the current password', passwordHint: 'At least 8 characters',
    localeDefault: 'Company default',
    sort: {
      display_name: 'Name A–Z', '-display_name': 'Name Z–A', username: 'User name',
      '-last_login_at': 'Last login', '-created_at': 'Newest first', role: 'Role',
    },
  },
  teams: {
    new: 'New team', edit: 'Edit team', view: 'Team', searchPlaceholder: 'Search teams', members: 'Members',
    confirmDelete: 'Delete the team {name}? It is moved to "Deleted" and can be restored.',
    sort: { name: 'Name A–Z', '-name': 'Name Z–A', '-created_at': 'Newest first', '-updated_at': 'Recently changed' },
  },
  customers: { searchPlaceholder: 'Search customers' },
  tenant: {
    subtitle: 'These settings apply to everyone in the company.', common: 'Common', all: 'All',
    preview: 'How dates and amounts will look', saved: 'Company settings were saved',
  },
  apiKeys: {
    subtitle: 'Let other systems (ERP, shop, accounting) use the API.', new: 'New API key', create: 'Create key',
    empty: 'No API keys yet', namePlaceholder: 'e.g. ERP sync', userHint: 'The key acts with the permissions of this user.',
    createdTitle: 'Your new API key', onceWarning: 'Copy the key now. It is shown only once and cannot be retrieved later.',
    copy: 'Copy', copied: 'Copied to the clipboard', usage: 'Send it in the Authorization header:', done: 'I have saved it',
    revoke: 'Revoke', confirmRevoke: 'Revoke the key {name}? Systems that use it stop working at once.',
    revoked: 'The key {name} was revoked', neverUsed: 'never',
    status: { active: 'Active', revoked: 'Revoked', expired: 'Expired' },
  },
  audit: {
    subtitle: 'Every change, login and key, newest first.', at: 'Time', actor: 'By', action: 'Action',
    record: 'Record', entity: 'Record type', recordId: 'Record id', badId: 'A record id is a number', noDetail: 'No field details',
    requestId: 'request', filterTo: 'Show only {entity} #{id}',
    actions: {
      create: 'Created', update: 'Changed', delete: 'Deleted', restore: 'Restored', login: 'Logged in',
      login_failed: 'Login failed', logout: 'Logged out', revoke: 'Revoked', merge: 'Merged', claim: 'Claimed',
      release: 'Released', returned_to_pool: 'Back to pool', handover: 'Handed over',
    },
  },
  history: {
    created: 'Created',
    restored: 'Restored', enabled: 'Enabled',
    title: 'History of {name}', empty: 'No changes recorded', system: 'System', cleared: '(empty)', changed: '(changed)',
  },
  conflict: {
    title: 'Someone else changed this record while you were editing.',
    text: 'Your changes were not saved. Load the latest version: your edits are kept on top of it, so you can check them and save again.',
    reload: 'Load the latest version', reloaded: 'The latest version is loaded with your edits on top. Check them and save again.',
  },
  notFound: { title: 'Page not found', text: 'This page does not exist, or your role cannot open it.', home: 'Back to home' },
  status: { active: 'Active', disabled: 'Disabled', deleted: 'Deleted', all: 'All', current: 'Current' },
  options: {
    customer_kind: { organisation: 'Organisation', person: 'Person' },
    customer_type: { end_customer: 'End customer', distributor: 'Distributor', dealer: 'Dealer', wholesaler: 'Wholesaler', agent: 'Agent', other: 'Other' },
    customer_status: { lead: 'Lead', prospect: 'Prospect', customer: 'Customer', former: 'Former customer' },
    role: { admin: 'Administrator', manager: 'Manager', sales: 'Sales rep', service: 'Service agent', marketing: 'Marketing', readonly: 'Read-only' },
    locale: { 'zh-CN': 'Simplified Chinese', 'zh-TW': 'Traditional Chinese', en: 'English' },
  },
  fields: {
    common: {
      id: 'ID', created_at: 'Created', updated_at: 'Last changed', created_by: 'Created by', updated_by: 'Changed by',
      deleted_at: 'Deleted', version: 'Version', name: 'Name',
    },
    users: {
      username: 'User name', display_name: 'Name', email: 'Email', phone: 'Phone', role: 'Role', team_id: 'Team',
      locale: 'Language', password: 'Password', disabled: 'Disabled', disabled_at: 'Disabled on', last_login_at: 'Last login',
    },
    teams: { name: 'Team name', description: 'Description', manager_id: 'Manager', parent_id: 'Parent team' },
    tenant: { name: 'Company name', time_zone: 'Time zone', currency: 'Currency', locale: 'Default language', slug: 'Tenant code' },
    api_keys: { name: 'Name', user_id: 'Acts as', last_used_at: 'Last used', key_prefix: 'Key', revoked_at: 'Revoked', expires_at: 'Expires' },
    customers: {
      code: 'Customer code', name: 'Name', kind: 'Person or organisation', type: 'Customer type', status: 'Status', phone: 'Phone', mobile: 'Mobile',
      email: 'Email', owner_id: 'Owner', in_pool: 'In the pool', last_follow_up_at: 'Last follow-up', updated_at: 'Last changed',
    },
  },
  errors: {
    code: {
      required: 'Required', invalid_format: 'This is not in a valid format', invalid_option: 'Not one of the allowed values',
      invalid_text: 'Contains characters that are not allowed', too_long: 'Too long', out_of_range: 'Out of range',
      type: 'Wrong kind of value', duplicate: 'Already used by another record', not_found: 'The chosen record does not exist',
      cycle: 'A team cannot be its own parent', last_admin: 'This is the last active administrator; make someone else an administrator first',
      weak_password: 'A password needs at least 8 characters', wrong_password: 'The current password is wrong',
      read_only: 'This cannot be changed', unknown_field: 'Not a field of this record', not_deleted: 'The record is not deleted',
      too_many: 'Too many values', invalid: 'Not valid',
    },
    field: {
      email: { invalid_format: 'Enter an email address like name{\'@\'}example.com' },
      phone: { invalid_format: 'Enter a phone number (digits, spaces, + - ( ))' },
      username: { invalid_format: 'No spaces, quotes, slashes or punctuation like ; : , < >', duplicate: 'This user name is taken' },
      name: { duplicate: 'This name is already used' },
      time_zone: { invalid_format: 'Use a time zone such as Asia/Shanghai' },
      currency: { invalid_format: 'Use a three-letter currency code such as CNY or TWD' },
    },
    status: {
      0: 'The server cannot be reached. Check the connection and try again.',
      400: 'The request was not understood.', 401: 'Please log in again.', 403: 'Your role does not allow this.',
      404: 'This record no longer exists.', 409: 'This conflicts with another record.',
      412: 'Someone else changed this record. The list was reloaded; please try again.',
      413: 'That is too large.', 422: 'Some fields are not valid.', 429: 'Too many requests. Wait a moment and try again.',
      500: 'The server ran into a problem.', 503: 'The service is busy. Try again shortly.',
      other: 'The request failed (HTTP {status}).',
    },
  },
}
