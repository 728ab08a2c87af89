// savedViews.js — a person's saved list views (name + the list's query), kept
// in localStorage per tenant and user: views are personal and need no server.
import { session } from '../../session.js'

const key = (scope) => `gx_views:${session.tenant ? session.tenant.id : 0}:${session.user ? session.user.id : 0}:${scope}`

export function loadViews(scope) {
  try {
    const v = JSON.parse(localStorage.getItem(key(scope)) || '[]')
    return Array.isArray(v) ? v.filter((x) => x && typeof x.name === 'string' && x.query && typeof x.query === 'object') : []
  } catch { return [] }
}

function store(scope, views) {
  try { localStorage.setItem(key(scope), JSON.stringify(views)) } catch { /* storage full or off */ }
}

/** Adds or replaces the view called name; returns the new list. */
export function saveView(scope, name, query) {
  const views = loadViews(scope).filter((v) => v.name !== name)
  views.push({ name, query: { ...query } })
  views.sort((a, b) => a.name.localeCompare(b.name))
  store(scope, views)
  return views
}

export function deleteView(scope, name) {
  const views = loadViews(scope).filter((v) => v.name !== name)
  store(scope, views)
  return views
}
