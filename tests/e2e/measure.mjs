// measure.mjs — reports how much JavaScript (gzip) the browser loads for the
// first page (login, and home for a logged-in user) and a few others, and how
// long until the network is idle. A report, not a test:
//   node tests/e2e/measure.mjs        (GX_BIN as for the tests)
import { startServer, launchBrowser, newPage, ADMIN_PASSWORD } from './harness.mjs'

const PAGES = [['login', '/login', false], ['home', '/', true], ['users', '/admin/users', true],
  ['customers', '/customers', true], ['tenant', '/admin/tenant', true], ['dashboards', '/dashboards', true], ['apiDocs', '/api-docs', true]]

const server = await startServer()
const browser = await launchBrowser()
try {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  const { token } = await res.json()
  // a customer 360 page (a customer with purchases when the analytics know one)
  const first = await (await fetch(`${server.url}/api/v1/customers?limit=1&sort=name`, { headers: { Authorization: `Bearer ${token}` } })).json()
  if (first.items && first.items.length) PAGES.push(['customer360', `/customers/${first.items[0].id}`, true], ['customerNew', '/customers/new', true])
  for (const [name, path, auth] of PAGES) {
    const { page, context } = await newPage(browser, {})
    if (auth) await context.addCookies([{ name: 'gx_session', value: token, url: server.url }])
    const scripts = []
    page.on('response', async (r) => {
      if (r.request().resourceType() !== 'script') return
      const enc = r.headers()['content-encoding'] || 'identity'
      const body = await r.body().catch(() => Buffer.alloc(0))
      const sizes = await r.request().sizes().catch(() => null)
      scripts.push({ url: r.url(), enc, bytes: body.length, wire: sizes ? sizes.responseBodySize : body.length })
    })
    const t0 = Date.now()
    await page.goto(server.url + path, { waitUntil: 'networkidle' })
    const ms = Date.now() - t0
    await page.waitForTimeout(200)
    const wire = scripts.reduce((a, s) => a + s.wire, 0)
    const raw = scripts.reduce((a, s) => a + s.bytes, 0)
    console.log(`${name.padEnd(12)} ${String(scripts.length).padStart(2)} scripts  ${(wire / 1024).toFixed(1).padStart(6)} KB on the wire (${scripts.every((s) => s.enc === 'gzip') ? 'gzip' : 'mixed'}), ${(raw / 1024).toFixed(1)} KB unpacked, network idle after ${ms} ms`)
    await context.close()
  }
} finally {
  await browser.close()
  await server.stop()
}
