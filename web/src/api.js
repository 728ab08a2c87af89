// api.js — the one client of the guanxi REST API: same-origin fetch with the
// session cookie, the CSRF header on unsafe methods, If-Match for versioned
// writes, and RFC 9457 problem+json turned into an ApiError.

const CSRF_KEY = 'gx_csrf'
let csrfToken = sessionStorage.getItem(CSRF_KEY) || ''
let onUnauthorized = null

/** An API failure: status (0 = network), title, detail, type, the raw
 * errors list and fieldErrors ({field: {code, message}}). */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.type = problem.type || ''
    this.title = problem.title || ''
    this.detail = problem.detail || ''
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
    // the whole problem document: extension members such as the 409
    // duplicate answer's "candidates"
    this.problem = problem || {}
    this.fieldErrors = {}
    for (const e of this.errors) {
      if (e && e.field && !this.fieldErrors[e.field]) {
        this.fieldErrors[e.field] = { code: e.code || '', message: e.message || '' }
      }
    }
  }
  get isConflict() { return this.status === 412 }
  get isValidation() { return this.status === 422 || (this.status === 409 && this.errors.length > 0) || (this.status === 400 && this.errors.length > 0) }
}

export function setCsrf(token) {
  csrfToken = token || ''
  if (csrfToken) sessionStorage.setItem(CSRF_KEY, csrfToken)
  else sessionStorage.removeItem(CSRF_KEY)
}

/** fn() is called when an authenticated request answers 401 (session ended). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn
}

/** Builds a query string; arrays become comma lists (filter[x][in]), empty
 * values are left out. */
export function queryString(params) {
  if (!params) return ''
  const parts = []
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    const val = Array.isArray(v) ? v.join(',') : String(v)
    parts.push(`${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(val)}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])

/**
 * request(method, path, {query, body, version, signal}) → parsed JSON (or
 * null for 204). version sets If-Match: "<version>". Throws ApiError.
 */
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' }
  const init = { method, headers, credentials: 'same-origin', signal: opts.signal }
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(opts.body)
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken
  if (opts.version !== undefined && opts.version !== null) headers['If-Match'] = `"${opts.version}"`
  const url = `/api/v1${path}${queryString(opts.query)}`
  let res
  try {
    res = await fetch(url, init)
  } catch (e) {
    if (e && e.name === 'AbortError') throw e
    throw new ApiError(0, { title: 'Network error', detail: String(e && e.message || e) })
  }
  if (res.status === 204) return null
  const type = res.headers.get('Content-Type') || ''
  let data = null
  if (type.includes('json')) {
    try { data = await res.json() } catch { data = null }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data || { title: res.statusText })
    if (res.status === 401 && onUnauthorized && !opts.noAuthRedirect) onUnauthorized(err)
    throw err
  }
  return data
}

export const api = {
  get: (path, query, opts = {}) => request('GET', path, { ...opts, query }),
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body: body ?? {} }),
  patch: (path, body, version, opts = {}) => request('PATCH', path, { ...opts, body, version }),
  del: (path, version, opts = {}) => request('DELETE', path, { ...opts, version }),
}

/** The generic entity endpoints (DESIGN.md "HTTP API conventions"). */
export function entityApi(resource) {
  const base = `/${resource}`
  return {
    list: (query, opts) => api.get(base, query, opts),
    get: (id) => api.get(`${base}/${id}`),
    create: (body) => api.post(base, body),
    update: (id, version, body) => api.patch(`${base}/${id}`, body, version),
    remove: (id, version) => api.del(`${base}/${id}`, version),
    restore: (id) => api.post(`${base}/${id}/restore`, {}),
    history: (id, query) => api.get(`${base}/${id}/history`, query),
  }
}
