// router.js — history-mode routes (the server answers index.html for every
// path without an extension): /login outside the layout, every module's
// pages inside it; a guard sends strangers to /login and hides what a role
// may not open.
import { createRouter, createWebHistory } from 'vue-router'
import { session, loadSession, can } from './session.js'
import { modules, probeModules, isAvailable } from './modules.js'
import { t } from './i18n/index.js'
import AppLayout from './layouts/AppLayout.vue'
import LoginPage from './pages/LoginPage.vue'

const children = []
for (const m of modules) {
  for (const r of m.routes) children.push({ ...r, meta: { ...(r.meta || {}), module: m.key, perm: m.perm } })
}
children.push({ path: ':rest(.*)*', name: 'notFound', component: () => import('./pages/NotFound.vue'), meta: {} })

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
    { path: '/', component: AppLayout, children },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

let probed = false
/** Starts fetching the lazy chunks of a route's pages at once, so they load
 * while the guard waits for the session and the module probes (the router
 * itself asks for them only after the guard). A second import() of the same
 * chunk is the same promise. */
function prefetch(to) {
  for (const rec of to.matched) {
    for (const c of Object.values(rec.components || {})) {
      if (typeof c === 'function' && !('displayName' in c) && c.length === 0) c().catch(() => {})
    }
  }
}

router.beforeEach(async (to) => {
  prefetch(to)
  if (!session.loaded) {
    try { await loadSession() } catch { /* server down: the login page tells */ }
  }
  if (to.meta.public) {
    if (session.user && to.name === 'login') return { path: typeof to.query.redirect === 'string' ? to.query.redirect : '/' }
    return true
  }
  if (!session.user) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (!probed) {
    probed = true
    await probeModules()
  }
  const m = modules.find((x) => x.key === to.meta.module)
  if (m && (!can(m.perm) || !isAvailable(m))) return { name: 'notFound', params: { rest: to.path.slice(1).split('/') } }
  return true
})

router.afterEach((to) => {
  const key = to.meta.module ? `nav.${to.meta.module}` : to.name === 'login' ? 'login.title' : ''
  document.title = key ? `${t(key)} · guanxi` : 'guanxi'
})

/** After logout, the next login probes the modules again. */
export function resetRouterState() {
  probed = false
}
