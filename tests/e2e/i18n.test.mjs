// i18n.test.mjs — the three UI catalogues (web/src/i18n) have the same keys,
// no empty strings, the same {placeholders}, and nothing vue-i18n would read
// as a link or plural ("@", "|"). Fast: no server, no browser.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from './harness.mjs'

const load = async (code) => (await import(pathToFileURL(join(ROOT, 'web/src/i18n', `${code}.js`)).href)).default

function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') flatten(v, key, out)
    else out[key] = v
  }
  return out
}
const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',')

test('zh-CN, zh-TW and en have the same keys and placeholders', async () => {
  const cats = {}
  for (const code of ['en', 'zh-CN', 'zh-TW']) cats[code] = flatten(await load(code))
  const keys = Object.keys(cats.en).sort()
  for (const code of ['zh-CN', 'zh-TW']) {
    const mine = Object.keys(cats[code]).sort()
    assert.deepEqual(mine.filter((k) => !keys.includes(k)), [], `${code} has keys en lacks`)
    assert.deepEqual(keys.filter((k) => !mine.includes(k)), [], `${code} lacks keys`)
    for (const k of keys) assert.equal(placeholders(cats[code][k]), placeholders(cats.en[k]), `${code} ${k} placeholders`)
  }
  for (const [code, cat] of Object.entries(cats)) {
    for (const [k, v] of Object.entries(cat)) {
      assert.ok(typeof v === 'string' && v.trim(), `${code} ${k} is empty`)
      assert.ok(!/[|]/.test(v) && !/@(?!'\})/.test(v.replace(/\{'@'\}/g, '')), `${code} ${k} has @ or |`)
    }
  }
})

test('Traditional Chinese is not Simplified by mistake', async () => {
  const tw = flatten(await load('zh-TW'))
  // characters that only exist in Simplified Chinese and are common in UI text
  const simplified = /[们这个为来时说对会后发过门问间设户续钥录]/
  const bad = Object.entries(tw).filter(([, v]) => simplified.test(v)).map(([k, v]) => `${k}: ${v}`)
  assert.deepEqual(bad, [])
})
