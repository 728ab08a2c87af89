// dashboards.test.mjs — the analytics dashboards and the API reference in a
// real browser against a real server: on the demo company every chart is
// drawn (the canvas pixels are read: several colours, not one), in zh-CN and
// en, desktop and 390 px; a click on an RFM cell opens the customer list of
// that segment; the API page finds an endpoint by the filter and shows its
// parameters. On an empty company the dashboards say how to import
// transactions, and after a POST /api/v1/transactions:bulk they draw.
// Screenshots go to test-output/screenshots.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, launchBrowser, newPage, login, apiClient, SHOTS, DESKTOP, PHONE } from './harness.mjs'

const CHARTS = ['pareto', 'rfm', 'tiers', 'retention', 'cohorts']
let server, browser, api

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  api = await apiClient(server.url)
}, { timeout: 90_000 })

after(async () => {
  if (browser) await browser.close().catch(() => {})
  if (server) await server.stop()
}, { timeout: 30_000 })

const EXPECTED = /status of 401/ // before login
const unexpected = (p) => p.problems.filter((x) => !EXPECTED.test(x))

async function shot(p, name, fullPage = false) {
  mkdirSync(SHOTS, { recursive: true })
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage })
}

async function step(p, name, fn) {
  try {
    await fn()
  } catch (e) {
    await shot(p, `FAILED-dashboards-${name}`).catch(() => {})
    throw e
  }
}

/** What the chart's main canvas holds: distinct colours and the share of
 * pixels that differ from the most common one (the background). */
async function canvasStats(page, chart) {
  const canvas = page.locator(`[data-test=chart-${chart}] [data-test=chart-canvas] canvas`).first()
  await canvas.waitFor()
  // ECharts draws in animation frames: wait until the picture stops changing
  let last = null
  for (let i = 0; i < 20; i++) {
    const s = await canvas.evaluate((c) => {
      const { width, height } = c
      if (!width || !height) return { width, height, colours: 0, ink: 0 }
      const px = c.getContext('2d').getImageData(0, 0, width, height).data
      const counts = new Map()
      for (let i = 0; i < px.length; i += 4) {
        const k = (px[i] << 24) ^ (px[i + 1] << 16) ^ (px[i + 2] << 8) ^ px[i + 3]
        counts.set(k, (counts.get(k) || 0) + 1)
      }
      const top = Math.max(...counts.values())
      return { width, height, colours: counts.size, ink: 1 - top / (width * height) }
    })
    if (last && s.colours === last.colours && Math.abs(s.ink - last.ink) < 1e-4) return s
    last = s
    await page.waitForTimeout(250)
  }
  return last
}

async function checkCharts(page, label) {
  for (const c of CHARTS) {
    const s = await canvasStats(page, c)
    assert.ok(s.width > 100 && s.height > 100, `${label} ${c}: canvas ${s.width}×${s.height}`)
    assert.ok(s.colours >= 8, `${label} ${c}: only ${s.colours} colours on the canvas (empty chart?)`)
    assert.ok(s.ink > 0.01, `${label} ${c}: ${(s.ink * 100).toFixed(2)} % of the canvas drawn`)
    // the text equivalent for screen readers is there
    assert.ok(await page.locator(`[data-test=chart-${c}] figcaption table tbody tr`).count() > 0, `${label} ${c}: no data table`)
  }
}

for (const [locale, title, kpi, viewport, tag] of [
  ['zh-CN', '分析仪表盘', '顾客忠诚度', DESKTOP, 'zh-CN'],
  ['en', 'Dashboards', 'Customer loyalty', DESKTOP, 'en'],
  ['zh-CN', '分析仪表盘', '顾客忠诚度', PHONE, 'zh-CN-phone'],
  ['en', 'Dashboards', 'Customer loyalty', PHONE, 'en-phone'],
]) {
  test(`the dashboards draw every chart (${tag})`, { timeout: 60_000 }, async () => {
    const { page, context } = await newPage(browser, { locale, viewport })
    try {
      await step(page, tag, async () => {
        await login(page, server.url)
        await page.goto(`${server.url}/dashboards`)
        await page.locator('[data-test=dashboards][data-state=ready]').waitFor({ timeout: 20_000 })
        assert.equal((await page.locator('h1').innerText()).trim(), title)
        const loyalty = page.locator('[data-test=dash-kpis] [data-kpi=loyalty]')
        assert.match(await loyalty.innerText(), new RegExp(kpi))
        assert.match(await loyalty.innerText(), /\d+(\.\d+)?%/)
        // the scorecard's four perspectives
        assert.equal(await page.locator('[data-test=dash-scorecard] [data-perspective]').count(), 4)
        await checkCharts(page, tag)
        // the money of the top customers in the UI language (¥ / CN¥)
        assert.match(await page.locator('[data-test=top-customers] li').first().innerText(), /¥/)
        // no horizontal scrolling on the phone
        if (viewport === PHONE) assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the page scrolls sideways at 390 px')
        await shot(page, `dashboards-${tag}`, true)
        assert.deepEqual(unexpected(page), [])
      })
    } finally { await context.close() }
  })
}

test('a click on an RFM cell opens the customer list of that segment', { timeout: 60_000 }, async () => {
  const { page, context } = await newPage(browser, { locale: 'zh-CN', viewport: DESKTOP })
  try {
    await step(page, 'rfm-click', async () => {
      const rfm = (await api.call('GET', '/analytics/rfm')).body
      const cell = rfm.grid.filter((c) => c.customers > 0).sort((a, b) => b.customers - a.customers)[0]
      assert.ok(cell, 'the demo has RFM cells with customers')
      await login(page, server.url)
      await page.goto(`${server.url}/dashboards`)
      await page.locator('[data-test=dashboards][data-state=ready]').waitFor({ timeout: 20_000 })
      await canvasStats(page, 'rfm')
      // the pixel of that cell, from the chart itself; then a real mouse click there
      const box = page.locator('[data-test=chart-rfm] [data-test=chart-canvas]')
      await box.scrollIntoViewIfNeeded()
      await page.waitForTimeout(300)
      const [x, y] = await box.evaluate((el, [f, r]) => el.gxChart.convertToPixel({ seriesIndex: 0 }, [f - 1, r - 1]), [cell.f, cell.r])
      const rect = await box.boundingBox()
      await page.mouse.click(rect.x + x, rect.y + y)
      await page.waitForURL((u) => u.pathname === '/customers' && u.searchParams.get('segment') === cell.segment)
      const rows = page.locator('[data-test=customers-table] .el-table__row')
      await rows.first().waitFor()
      // the list is that segment: the same customers the API gives for it
      const want = (await api.call('GET', `/customers?segment=${cell.segment}&limit=200&count=true`)).body
      assert.ok(want.items.length > 0)
      const names = new Set(want.items.map((c) => c.name))
      const shown = await rows.evaluateAll((rs) => rs.map((r) => r.querySelector('.gx-name-cell a, .gx-name-cell')?.textContent || ''))
      assert.ok(shown.length > 0 && shown.length <= want.items.length, `${shown.length} rows for ${want.items.length} customers`)
      for (const s of shown) assert.ok([...names].some((n) => s.includes(n)), `"${s}" is not in segment ${cell.segment}`)
      // the filter shows as a chip with the segment's name
      const label = rfm.segments.find((s) => s.segment === cell.segment).label['zh-CN']
      await page.locator('.el-tag', { hasText: label }).first().waitFor()
      assert.deepEqual(unexpected(page), [])
    })
  } finally { await context.close() }
})

for (const [locale, tag, perm] of [['zh-CN', 'zh-CN', '权限'], ['en', 'en', 'Permission']]) {
  test(`the API page finds an endpoint by the filter (${tag})`, { timeout: 45_000 }, async () => {
    const { page, context } = await newPage(browser, { locale, viewport: DESKTOP })
    try {
      await step(page, `api-${tag}`, async () => {
        await login(page, server.url)
        await page.goto(`${server.url}/api-docs`)
        const docs = page.locator('[data-test=api-docs]')
        const filter = docs.locator('input[data-test=api-filter], [data-test=api-filter] input').first()
        await docs.locator('details[data-op]').first().waitFor()
        const all = await docs.locator('details[data-op]').count()
        const spec = await (await fetch(`${server.url}/api/v1/openapi.json`)).json()
        let ops = 0
        for (const item of Object.values(spec.paths)) for (const m of ['get', 'post', 'put', 'patch', 'delete']) if (item[m]) ops++
        assert.equal(all, ops, 'every operation of the spec is listed')
        // the ways to authenticate
        assert.match(await docs.locator('[data-test=api-auth]').innerText(), /X-API-Key/)

        await filter.fill('transactions:bulk')
        const op = docs.locator('details[data-path="/api/v1/transactions:bulk"][data-method=post]')
        await op.waitFor()
        await page.waitForFunction(() => document.querySelectorAll('[data-test=api-docs] details[data-op]').length === 1)
        await op.locator('summary').click()
        await op.locator('.gx-api-body').waitFor()
        assert.match(await op.innerText(), new RegExp(`${perm}\\S*\\s*transactions\\.write`))
        await page.waitForURL(/[?&]q=transactions%3Abulk|[?&]q=transactions:bulk/)

        // a list endpoint: its parameters with types and allowed values
        await filter.fill('get /api/v1/customers list')
        const list = docs.locator('details[data-path="/api/v1/customers"][data-method=get]')
        await list.waitFor()
        await list.locator('summary').click()
        await list.locator('.gx-api-body table').first().waitFor()
        const params = await list.locator('table').first().innerText()
        assert.match(params, /filter\[status\]/)
        assert.match(params, /prospect/)
        assert.match(params, /limit/)
        // the response schema, with a nested list of records
        assert.match(await list.innerText(), /next_cursor/)
        await shot(page, `api-docs-${tag}`)

        await filter.fill('no-such-endpoint-here')
        await docs.locator('[data-test=api-none]').waitFor()
        assert.equal(await docs.locator('details[data-op]').count(), 0)
        assert.deepEqual(unexpected(page), [])
      })
    } finally { await context.close() }
  })
}

test('an empty company: the import hint, then charts after a bulk import of transactions', { timeout: 90_000 }, async () => {
  const empty = await startServer({ demo: false })
  const { page, context } = await newPage(browser, { locale: 'en', viewport: DESKTOP })
  try {
    await step(page, 'empty', async () => {
      await login(page, empty.url)
      await page.goto(`${empty.url}/dashboards`)
      const hint = page.locator('[data-test=dashboards][data-state=empty] [data-test=dash-empty]')
      await hint.waitFor({ timeout: 20_000 })
      assert.match(await hint.innerText(), /transactions:bulk/)
      await shot(page, 'dashboards-empty-en')

      // twelve customers, each with its own buying history over the last year
      const a = await apiClient(empty.url)
      const CITIES = ['Shanghai', 'Beijing', 'Shenzhen', 'Hangzhou', 'Chengdu', 'Wuhan', 'Nanjing', 'Xiamen', 'Suzhou', 'Tianjin', 'Qingdao', 'Dalian']
      const items = []
      const day = 86400_000
      for (let i = 0; i < CITIES.length; i++) {
        const c = await a.call('POST', '/customers', { name: `${CITIES[i]} Precision Parts Co. ${i + 1}`, status: 'customer' })
        assert.equal(c.status, 201, JSON.stringify(c.body))
        const n = 1 + ((i * 7) % 9)
        for (let k = 0; k < n; k++) {
          const when = new Date(Date.now() - (5 + k * (20 + i * 3) + i) * day)
          items.push({ customer_id: c.body.id, occurred_at: when.toISOString(), amount: (i + 1) * 150000 + k * 1000, cost: (i + 1) * 90000, product: `P${(i + k) % 5}`, external_ref: `t-${i}-${k}` })
        }
      }
      const bulk = await a.call('POST', '/transactions:bulk', { items })
      assert.equal(bulk.status, 200, JSON.stringify(bulk.body))
      assert.equal(bulk.body.created, items.length)
      await page.reload()
      await page.locator('[data-test=dashboards][data-state=ready]').waitFor({ timeout: 20_000 })
      for (const c of ['pareto', 'rfm', 'tiers', 'retention']) {
        const s = await canvasStats(page, c)
        assert.ok(s.colours >= 8 && s.ink > 0.01, `${c}: ${s.colours} colours, ${(s.ink * 100).toFixed(2)} % drawn`)
      }
      assert.match(await page.locator('[data-test=pareto-summary]').innerText(), /of 12 customers/)
      assert.deepEqual(unexpected(page), [])
    })
  } finally {
    await context.close()
    await empty.stop()
  }
})
