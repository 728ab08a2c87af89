// session.js — who is logged in: the user, the tenant and the CSRF token,
// loaded from /auth/me after a reload; plus a client-side copy of the role →
// permission table (src/crm/perm.c) used only to hide what a role cannot do —
// the server decides.
import { reactive } from 'vue'
import { api, setCsrf, ApiError } from './api.js'

export const session = reactive({
  loaded: false,
  user: null,
  tenant: null,
})

export async function loadSession() {
  try {
    const me = await api.get('/auth/me', undefined, { noAuthRedirect: true })
    session.user = me.user
    session.tenant = me.tenant
    if (me.csrf_token) setCsrf(me.csrf_token)
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) {
      session.loaded = true
      throw e
    }
    clearSession()
  }
  session.loaded = true
  return session.user
}

export async function login(username, password) {
  const out = await api.post('/auth/login', { username, password }, { noAuthRedirect: true })
  setCsrf(out.csrf_token)
  session.user = out.user
  // the tenant (time zone, currency) comes with /auth/me
  try {
    const me = await api.get('/auth/me', undefined, { noAuthRedirect: true })
    session.tenant = me.tenant
  } catch { session.tenant = null }
  session.loaded = true
  return out.user
}

export async function logout() {
  try {
    await api.post('/auth/logout', {}, { noAuthRedirect: true })
  } finally {
    clearSession()
  }
}

export function clearSession() {
  session.user = null
  session.tenant = null
  setCsrf('')
}

// Mirror of src/crm/perm.c: "*" is everything, "*.read" every read except admin.*.
const GRANTS = {
  admin: ['*'],
  manager: ['*.read', 'customers.write', 'contacts.write', 'activities.write', 'relationships.write',
    'customers.merge', 'customers.pool', 'tasks.write', 'deals.write', 'transactions.write', 'analytics.refit'],
  sales: ['*.read', 'customers.write', 'contacts.write', 'activities.write', 'relationships.write',
    'customers.pool', 'tasks.write', 'deals.write'],
  service: ['*.read', 'customers.write', 'contacts.write', 'activities.write', 'tasks.write', 'cases.write'],
  marketing: ['*.read', 'customers.write', 'contacts.write', 'activities.write', 'campaigns.write', 'segments.write'],
  readonly: ['*.read'],
}

/** True when the logged-in user's role grants perm ("users.write", "admin.audit"). */
export function can(perm) {
  if (!perm) return true
  const role = session.user && session.user.role
  const grants = GRANTS[role] || []
  return grants.some((g) => {
    if (g === '*' || g === perm) return true
    if (g.startsWith('*.')) return perm.endsWith(g.slice(1)) && !perm.startsWith('admin.')
    return false
  })
}
