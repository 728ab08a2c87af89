// web_list.mjs — how soon the customer list becomes usable in a real browser
// (Debian chromium through playwright-core, from tests/e2e/node_modules):
// a fresh browser context per run (cold cache), logged in by cookie, then
// navigation to /customers, timed in the page from the navigation start:
//   rows       the list is rendered: the first answer is in (data-loaded) and
//              its first rows, or the empty-list text, are in the DOM
//   input      the page answered a key press: "/" focuses the global search
//              (sent as soon as the rows are seen; includes the test's latency)
//   total      the "N in total" line shows (the count of all customers)
//   api        the duration of each /api/v1/customers request (Resource Timing)
//   cpu        the browser main thread's CPU time until the list is rendered
//              (CDP Performance metrics in thread ticks: less sensitive to
//              other load on the machine than the wall-clock figures)
//   server     the server's CPU time (user + system, /proc/PID/stat) for the
//              whole page, counts included, when GX_SERVER_PID is set
// A report, not a test:
//   node bench/web_list.mjs URL TENANT USER PASSWORD [RUNS] [LABEL]
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { readFileSync } from 'node:fs'

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../tests/e2e/package.json'))
const { chromium } = require('playwright-core')
const [url, tenant, user, password, runsArg = '7', label = ''] = process.argv.slice(2)
if (!password) { console.error('usage: node bench/web_list.mjs URL TENANT USER PASSWORD [RUNS] [LABEL]'); process.exit(2) }
const runs = Number(runsArg)

const login = await fetch(`${url}/api/v1/auth/login`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password, tenant }),
})
if (!login.ok) { console.error(`login failed: ${login.status}`); process.exit(1) }
const { token } = await login.json()

const pid = process.env.GX_SERVER_PID
const hz = 100 // USER_HZ on Linux
function serverCpu() {
  if (!pid) return null
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(f[11]) + Number(f[12])) / hz) * 1000 // utime + stime, ms
  } catch { return null }
}

const browser = await chromium.launch({
  executablePath: process.env.GX_CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
})
const results = []
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 860 } })
    await context.addCookies([{ name: 'gx_session', value: token, url }])
    await context.addInitScript(() => {
      window.__gx = {}
      const seen = () => {
        if (!window.__gx.rows && document.querySelector('[data-test=customers-table][data-loaded=true] :is(.el-table__row, .el-table__empty-text)')) window.__gx.rows = performance.now()
        if (!window.__gx.total && /\d/.test((document.querySelector('[data-test=customers-page] .gx-sub') || {}).textContent || '')) window.__gx.total = performance.now()
      }
      new MutationObserver(seen).observe(document, { childList: true, subtree: true, characterData: true })
      document.addEventListener('focusin', (e) => {
        if (!window.__gx.input && e.target.closest && e.target.closest('[data-test=global-search], input[data-test=global-search]')) window.__gx.input = performance.now()
      })
    })
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
    const cpu0 = serverCpu()
    await page.goto(`${url}/customers`, { waitUntil: 'commit' })
    await page.waitForFunction(() => window.__gx.rows, null, { timeout: 60_000, polling: 10 })
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]))
    await page.keyboard.press('/')
    await page.waitForFunction(() => window.__gx.input, null, { timeout: 30_000 })
    await page.waitForFunction(() => window.__gx.total, null, { timeout: 60_000 }).catch(() => {})
    const r = await page.evaluate(() => ({
      ...window.__gx,
      api: performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/customers?'))
        .map((e) => `${Math.round(e.duration)}${/count=true/.test(e.name) ? 'c' : ''}`).join('+'),
    }))
    r.cpu = metrics.TaskDuration * 1000
    // the count may still be running: wait for the server to finish the page's requests
    await page.waitForLoadState('networkidle').catch(() => {})
    if (cpu0 !== null) r.server = serverCpu() - cpu0
    if (process.env.GX_WEB_LIST_WATERFALL) {
      console.log(await page.evaluate(() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
        .map((e) => `${String(Math.round(e.startTime)).padStart(5)} → ${String(Math.round(e.responseEnd)).padStart(5)} ms  ${e.name.replace(location.origin, '')}`).join('\n')))
    }
    results.push(r)
    await context.close()
  }
} finally {
  await browser.close()
}
const ms = (v) => (v === undefined ? '   —' : String(Math.round(v)).padStart(5))
for (const [i, r] of results.entries()) console.log(`${label} run ${i + 1}: rows ${ms(r.rows)} ms  input ${ms(r.input)} ms  total ${ms(r.total)} ms  cpu ${ms(r.cpu)} ms  server ${ms(r.server)} ms  api ${r.api} ms`)
const stat = (k) => {
  const v = results.map((r) => r[k]).filter((x) => x !== undefined).sort((a, b) => a - b)
  return v.length ? `median ${Math.round(v[Math.floor(v.length / 2)])} ms, max ${Math.round(v[v.length - 1])} ms` : '—'
}
console.log(`${label} rows visible: ${stat('rows')}; responds to input: ${stat('input')}; total shown: ${stat('total')}; browser main-thread CPU until rows: ${stat('cpu')}; server CPU per page: ${stat('server')}  (${runs} runs)`)
