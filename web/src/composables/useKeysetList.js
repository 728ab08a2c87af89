// useKeysetList — a list page's state over keyset pagination: the first page,
// "load more" with next_cursor (never page numbers), the total when asked,
// and protection against answers arriving out of order.
import { ref, shallowRef } from 'vue'

/** fetchPage(cursor) → Promise<{items, next_cursor, total?}>.
 * fetchTotal() → Promise<number>, optional: the total asked for separately,
 * after the first page is shown — counting a big table (a million customers)
 * takes far longer than reading 50 rows, and the rows should not wait. */
export function useKeysetList(fetchPage, { fetchTotal } = {}) {
  const items = shallowRef([])
  const nextCursor = ref(null)
  const total = ref(null)
  const loading = ref(false)
  const loaded = ref(false) // the first answer arrived (rows or an empty list)
  const error = shallowRef(null)
  let seq = 0
  let reloads = 0

  async function countTotal(mine) {
    try {
      const n = await fetchTotal()
      if (mine === reloads && typeof n === 'number') total.value = n
    } catch { /* the page shows no total */ }
  }

  async function reload() {
    const my = ++seq
    const mine = ++reloads
    loading.value = true
    error.value = null
    try {
      const out = await fetchPage(null)
      if (my !== seq) return
      items.value = out.items || []
      nextCursor.value = out.next_cursor || null
      total.value = typeof out.total === 'number' ? out.total : null
      loaded.value = true
      // a list shorter than a page needs no count
      if (fetchTotal && total.value === null) {
        if (!nextCursor.value) total.value = items.value.length
        else countTotal(mine)
      }
    } catch (e) {
      if (my !== seq) return
      error.value = e
      items.value = []
      nextCursor.value = null
    } finally {
      if (my === seq) loading.value = false
    }
  }

  async function loadMore() {
    if (!nextCursor.value || loading.value) return
    const my = ++seq
    loading.value = true
    try {
      const out = await fetchPage(nextCursor.value)
      if (my !== seq) return
      items.value = [...items.value, ...(out.items || [])]
      nextCursor.value = out.next_cursor || null
    } catch (e) {
      if (my === seq) error.value = e
    } finally {
      if (my === seq) loading.value = false
    }
  }

  /** Replaces one record in place (after an edit) without reloading. */
  function replace(rec) {
    items.value = items.value.map((r) => (r.id === rec.id ? rec : r))
  }
  function remove(id) {
    items.value = items.value.filter((r) => r.id !== id)
  }

  return { items, nextCursor, total, loading, loaded, error, reload, loadMore, replace, remove }
}
