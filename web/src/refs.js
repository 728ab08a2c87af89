// refs.js — names of referenced records (a team_id shown as its name), fetched
// in batches with filter[id][in]=… and cached for the session.
import { reactive } from 'vue'
import { api } from './api.js'

const NAMERS = {
  users: (r) => r.display_name || r.username,
  teams: (r) => r.name,
  customers: (r) => r.name,
  contacts: (r) => r.name,
}
const names = reactive({})
const queued = {}
const pending = new Set()
let timer = null

/** Remembers the names of records just loaded by a list or form. */
export function rememberRefs(resource, records) {
  const namer = NAMERS[resource]
  if (!namer) return
  const m = names[resource] || (names[resource] = {})
  for (const r of records || []) if (r && r.id != null) m[String(r.id)] = namer(r)
}

export function forgetRefs() {
  for (const k of Object.keys(names)) delete names[k]
  pending.clear()
}

/** The display name of resource #id, '' while it is being fetched. */
export function refName(resource, id) {
  if (id === null || id === undefined || id === '') return ''
  const key = String(id)
  const m = names[resource] || (names[resource] = {})
  if (key in m) return m[key]
  if (!NAMERS[resource] || !/^\d+$/.test(key)) return ''
  if (pending.has(`${resource}:${key}`)) return ''
  pending.add(`${resource}:${key}`)
  ;(queued[resource] || (queued[resource] = new Set())).add(key)
  if (!timer) timer = setTimeout(flush, 0)
  return ''
}

async function flush() {
  timer = null
  for (const [resource, set] of Object.entries(queued)) {
    const ids = [...set]
    set.clear()
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100)
      const m = names[resource] || (names[resource] = {})
      try {
        const out = await api.get(`/${resource}`, { 'filter[id][in]': chunk, limit: 200 })
        rememberRefs(resource, out.items)
      } catch { /* shown as #id */ }
      for (const id of chunk) {
        if (!(id in m)) m[id] = `#${id}`
        pending.delete(`${resource}:${id}`)
      }
    }
  }
}
