// useKeysetList — a list page's state over keyset pagination: the first page,
// "load more" with next_cursor (never page numbers), the total when asked,
// and protection against answers arriving out of order.
import { ref, shallowRef } from 'vue'

/** fetchPage(cursor) → Promise<{items, next_cursor, total?}>. */
export function useKeysetList(fetchPage) {
  const items = shallowRef([])
  const nextCursor = ref(null)
  const total = ref(null)
  const loading = ref(false)
  const error = shallowRef(null)
  let seq = 0

  async function reload() {
    const my = ++seq
    loading.value = true
    error.value = null
    try {
      const out = await fetchPage(null)
      if (my !== seq) return
      items.value = out.items || []
      nextCursor.value = out.next_cursor || null
      total.value = typeof out.total === 'number' ? out.total : null
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

  return { items, nextCursor, total, loading, error, reload, loadMore, replace, remove }
}
