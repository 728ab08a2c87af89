// The activities entity (src/crm/customer.c activity_fields): interactions
// through every channel, shown on the customer's timeline.
export const CHANNELS = ['phone', 'visit', 'email', 'chat', 'sms', 'video', 'fax', 'service_centre', 'web', 'other']
export const DIRECTIONS = ['outbound', 'inbound']

export default {
  resource: 'activities',
  perm: { read: 'activities.read', write: 'activities.write' },
  title: (r) => (r ? r.subject : ''),
  sorts: ['-occurred_at'],
  customFields: true,
  fields: [
    { name: 'customer_id', type: 'ref', ref: 'customers' },
    { name: 'contact_id', type: 'ref', ref: 'contacts' },
    { name: 'user_id', type: 'ref', ref: 'users' },
    { name: 'channel', type: 'enum', options: 'channel', values: CHANNELS, required: true },
    { name: 'direction', type: 'enum', options: 'direction', values: DIRECTIONS },
    { name: 'subject', type: 'text', required: true, max: 200 },
    { name: 'notes', type: 'textarea', max: 10000 },
    { name: 'outcome', type: 'text', max: 500 },
    { name: 'duration_min', type: 'int', min: 0, max: 100000 },
    { name: 'cost', type: 'money' },
    { name: 'occurred_at', type: 'datetime' },
  ],
}
