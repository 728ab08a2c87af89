// useEntityList — the list of an admin page of one entity (users, teams):
// 50 rows a page over keyset pagination (useKeysetList), the total with the
// first page, search (q), sort and status from a reactive filters object,
// the rows' names remembered for references (refs.js). Typing in q reloads
// after 250 ms; any other filter reloads at once; the first page loads on mount.
import { watch, onMounted } from 'vue'
import { entityApi } from '../api.js'
import { rememberRefs } from '../refs.js'
import { useKeysetList } from './useKeysetList.js'

/** filters: reactive {q, sort, status, ...}; status 'deleted' lists the
 * deleted rows; addFilters(query) adds the page's own parameters. */
export function useEntityList(entity, filters, addFilters = () => {}) {
  const rest = entityApi(entity)
  const list = useKeysetList((cursor) => {
    const query = { limit: 50, sort: filters.sort, q: filters.q.trim() || undefined }
    if (!cursor) query.count = 'true'
    else query.cursor = cursor
    addFilters(query)
    if (filters.status === 'deleted') query.deleted = 'true'
    return rest.list(query).then((out) => { rememberRefs(entity, out.items); return out })
  })
  let debounce = null
  watch(() => filters.q, () => { clearTimeout(debounce); debounce = setTimeout(list.reload, 250) })
  watch(() => Object.keys(filters).filter((k) => k !== 'q').map((k) => filters[k]), () => list.reload())
  onMounted(list.reload)
  return list
}
