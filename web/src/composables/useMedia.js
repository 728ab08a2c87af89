// useMedia — a reactive CSS media query ("(max-width: 768px)").
import { ref, onScopeDispose, getCurrentScope } from 'vue'

export function useMedia(query) {
  const mql = window.matchMedia(query)
  const matches = ref(mql.matches)
  const on = (e) => { matches.value = e.matches }
  mql.addEventListener('change', on)
  if (getCurrentScope()) onScopeDispose(() => mql.removeEventListener('change', on))
  return matches
}

/** Phones and narrow windows: drawer navigation, full-screen dialogs. */
export const MOBILE_QUERY = '(max-width: 768px)'
