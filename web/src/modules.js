// modules.js — the modules of the app: each one brings its routes and its
// entry in the sidebar. A later module (customers 360, pipeline, orders, cases,
// dashboards) adds one object here and its pages under pages/<module>/.
//
//   key      unique name; label from nav.<key>
//   icon     an @element-plus/icons-vue component
//   perm     permission needed to see it (session.can), if any
//   probe    an API path: the module shows only once it answers something
//            other than 404 (the API is not on this server yet otherwise)
//   routes   vue-router records, paths relative to the app root
//   group    sidebar group (nav.groups.<group>), none for top-level entries
import { markRaw, reactive } from 'vue'
import {
  House as HouseIcon, User as UserIcon, UserFilled as UserFilledIcon, OfficeBuilding as OfficeBuildingIcon,
  Setting as SettingIcon, Key as KeyIcon, Document as DocumentIcon, Box as BoxIcon, Files as FilesIcon,
  List as ListIcon, Switch as SwitchIcon, DataAnalysis as DataAnalysisIcon, Reading as ReadingIcon,
} from '@element-plus/icons-vue'
import { api, ApiError } from './api.js'
import { can } from './session.js'

export const modules = [
  {
    key: 'home', icon: markRaw(HouseIcon), path: '/',
    routes: [{ path: '', name: 'home', component: () => import('./pages/HomePage.vue') }],
  },
  {
    key: 'customers', icon: markRaw(OfficeBuildingIcon), path: '/customers', perm: 'customers.read',
    probe: '/customers',
    routes: [
      { path: 'customers', name: 'customers', component: () => import('./pages/customers/CustomersPage.vue') },
      { path: 'customers/new', name: 'customerNew', component: () => import('./pages/customers/CustomerFormPage.vue') },
      { path: 'customers/:id(\\d+)', name: 'customer', component: () => import('./pages/customers/CustomerPage.vue'), props: true },
      { path: 'customers/:id(\\d+)/edit', name: 'customerEdit', component: () => import('./pages/customers/CustomerFormPage.vue'), props: true },
    ],
  },
  {
    // the customer pool (公海): unassigned customers that reps claim
    key: 'pool', icon: markRaw(BoxIcon), path: '/customers/pool', perm: 'customers.read',
    probe: '/customers',
    routes: [{ path: 'customers/pool', name: 'pool', component: () => import('./pages/customers/PoolPage.vue') }],
  },
  {
    // analytics dashboards (ECharts is loaded inside this chunk only)
    key: 'dashboards', icon: markRaw(DataAnalysisIcon), path: '/dashboards', perm: 'analytics.read',
    probe: '/analytics/settings',
    routes: [{ path: 'dashboards', name: 'dashboards', component: () => import('./pages/dashboards/DashboardsPage.vue') }],
  },
  {
    key: 'users', group: 'admin', icon: markRaw(UserIcon), path: '/admin/users', perm: 'users.read',
    routes: [{ path: 'admin/users', name: 'users', component: () => import('./pages/admin/UsersPage.vue') }],
  },
  {
    key: 'teams', group: 'admin', icon: markRaw(UserFilledIcon), path: '/admin/teams', perm: 'teams.read',
    routes: [{ path: 'admin/teams', name: 'teams', component: () => import('./pages/admin/TeamsPage.vue') }],
  },
  {
    key: 'tenant', group: 'admin', icon: markRaw(SettingIcon), path: '/admin/tenant', perm: 'admin.tenant',
    routes: [{ path: 'admin/tenant', name: 'tenant', component: () => import('./pages/admin/TenantPage.vue') }],
  },
  {
    key: 'customFields', group: 'admin', icon: markRaw(FilesIcon), path: '/admin/custom-fields', perm: 'custom_fields.write',
    probe: '/custom-fields',
    routes: [{ path: 'admin/custom-fields', name: 'customFields', component: () => import('./pages/admin/CustomFieldsPage.vue') }],
  },
  {
    key: 'optionLists', group: 'admin', icon: markRaw(ListIcon), path: '/admin/option-lists', perm: 'option_values.write',
    probe: '/option-values',
    routes: [{ path: 'admin/option-lists', name: 'optionLists', component: () => import('./pages/admin/OptionListsPage.vue') }],
  },
  {
    key: 'handover', group: 'admin', icon: markRaw(SwitchIcon), path: '/admin/handover', perm: 'admin.handover',
    probe: '/customers',
    routes: [{ path: 'admin/handover', name: 'handover', component: () => import('./pages/admin/HandoverPage.vue') }],
  },
  {
    key: 'apiKeys', group: 'admin', icon: markRaw(KeyIcon), path: '/admin/api-keys', perm: 'admin.api_keys',
    routes: [{ path: 'admin/api-keys', name: 'apiKeys', component: () => import('./pages/admin/ApiKeysPage.vue') }],
  },
  {
    key: 'audit', group: 'admin', icon: markRaw(DocumentIcon), path: '/admin/audit', perm: 'admin.audit',
    routes: [{ path: 'admin/audit', name: 'audit', component: () => import('./pages/admin/AuditPage.vue') }],
  },
  {
    // the API reference, rendered from GET /api/v1/openapi.json; for the people who make API keys
    key: 'apiDocs', group: 'admin', icon: markRaw(ReadingIcon), path: '/api-docs', perm: 'admin.api_keys',
    routes: [{ path: 'api-docs', name: 'apiDocs', component: () => import('./pages/apidocs/ApiDocsPage.vue') }],
  },
]

// Probe results: key → true (the API answers) / false (404 here).
const available = reactive({})

/** Asks each probed module's API once per session whether it exists. */
export async function probeModules() {
  // one request per API path, however many modules share it
  const paths = {}
  for (const m of modules) if (m.probe) (paths[m.probe] || (paths[m.probe] = [])).push(m.key)
  await Promise.all(Object.entries(paths).map(async ([path, keys]) => {
    let ok
    try {
      await api.get(path, { limit: 1 }, { noAuthRedirect: true })
      ok = true
    } catch (e) {
      // 403 means the module exists but this role may not see it (can() hides it)
      ok = !(e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 0))
    }
    for (const k of keys) available[k] = ok
  }))
}

export function resetProbes() {
  for (const k of Object.keys(available)) delete available[k]
}

/** Modules the current user sees, in order. */
export function visibleModules() {
  return modules.filter((m) => can(m.perm) && (!m.probe || available[m.key] === true))
}

export function moduleOfRoute(name) {
  return modules.find((m) => m.routes.some((r) => r.name === name))
}

export function isAvailable(m) {
  return !m.probe || available[m.key] === true
}
