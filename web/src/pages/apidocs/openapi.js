// openapi.js — helpers for reading an OpenAPI 3.1 document: local $ref
// resolution (with a depth guard against cycles), types as text, and the
// operations grouped by tag.
export const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options']

/** Follows "#/components/..." references; returns {value, name} (name = the component's name). */
export function resolve(doc, node, depth = 0) {
  let name = null
  while (node && typeof node === 'object' && typeof node.$ref === 'string' && depth < 20) {
    const ref = node.$ref
    if (!ref.startsWith('#/')) break
    name = ref.split('/').pop()
    node = ref.slice(2).split('/').reduce((o, k) => (o ? o[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc)
    depth++
  }
  return { value: node, name }
}

/** "string", "integer | null", "array of Customers", "object". */
export function typeText(doc, schema) {
  const { value: s, name } = resolve(doc, schema)
  if (!s || typeof s !== 'object') return ''
  if (name && s.type === 'object') return name
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : []
  const parts = types.map((ty) => {
    if (ty === 'array') {
      const inner = s.items ? typeText(doc, s.items) : ''
      return inner ? `array<${inner}>` : 'array'
    }
    return ty
  })
  if (!parts.length && (s.oneOf || s.anyOf)) return (s.oneOf || s.anyOf).map((x) => typeText(doc, x)).join(' | ')
  let out = parts.join(' | ')
  if (s.format) out += ` (${s.format})`
  return out || (name || '')
}

/** Constraints worth showing next to a field: length, range, pattern, default. */
export function constraints(s) {
  const out = []
  if (!s || typeof s !== 'object') return out
  if (s.minLength !== undefined) out.push(`minLength ${s.minLength}`)
  if (s.maxLength !== undefined) out.push(`maxLength ${s.maxLength}`)
  if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`)
  if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`)
  if (s.pattern) out.push(`pattern ${s.pattern}`)
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`)
  return out
}

/** [{tag, ops: [{method, path, op, id}]}] in the document's order, tags sorted. */
export function groupByTag(doc) {
  const groups = new Map()
  for (const [path, item] of Object.entries((doc && doc.paths) || {})) {
    for (const method of METHODS) {
      const op = item && item[method]
      if (!op) continue
      const tag = (op.tags && op.tags[0]) || 'other'
      if (!groups.has(tag)) groups.set(tag, [])
      const params = [...(item.parameters || []), ...(op.parameters || [])]
      groups.get(tag).push({ method, path, op, params, id: op.operationId || `${method}_${path}` })
    }
  }
  return [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([tag, ops]) => ({ tag, ops }))
}

/** Whether an operation matches every word of a filter (path, method, summary, tag, id, permission). */
export function matches(o, words) {
  if (!words.length) return true
  const hay = `${o.method} ${o.path} ${o.op.summary || ''} ${o.op.description || ''} ${(o.op.tags || []).join(' ')} ${o.op.operationId || ''} ${o.op['x-permission'] || ''}`.toLowerCase()
  return words.every((w) => hay.includes(w))
}
