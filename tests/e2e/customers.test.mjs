// customers.test.mjs — the customer part of the web app in a real browser
// against a real server (fresh demo database): create a customer with a
// Chinese name, find it by pinyin initials and Traditional characters in the
// global search, log a phone call on its timeline, a validation error on the
// right field, a custom field defined by the admin appearing on the form
// (and its error under it), a duplicate → the dialog → merge, a saved view
// and a bulk action, claiming from the pool, the insights panel, the handover
// of a leaving employee's customers. Then screenshots of the customer list,
// the 360 page, the form and the admin pages in zh-CN and en, desktop and
// 390 px.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, launchBrowser, newPage, login, apiClient, SHOTS, DESKTOP, PHONE } from './harness.mjs'

const NAME = '郑州恒瑞祥贸易有限公司'
const DUP_NAME = '鄭州恆瑞祥貿易' // the same company typed in Traditional, without the suffix
const FIELD = { name: 'move_in', label: '入伙服务', en: 'Move-in service', options: ['已预约', '已完成'] }

let server, browser, page, api
const ids = {}

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  ;({ page } = await newPage(browser, { locale: 'zh-CN', viewport: DESKTOP }))
  api = await apiClient(server.url)
  await login(page, server.url)
}, { timeout: 90_000 })

after(async () => {
  if (browser) await browser.close().catch(() => {})
  if (server) await server.stop()
}, { timeout: 30_000 })

// expected failures the browser logs: 401 before login, the 409/422 we
// provoke, and a 404 from the insights while the analytics are not there
const EXPECTED = /status of (401|404|409|412|422)/
const unexpected = (p) => p.problems.filter((x) => !EXPECTED.test(x))

async function shot(p, name, fullPage = false) {
  mkdirSync(SHOTS, { recursive: true })
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage })
}

async function step(name, fn) {
  try {
    await fn()
  } catch (e) {
    await shot(page, `FAILED-customers-${name}`).catch(() => {})
    throw e
  }
}

/** Opens the Element Plus select inside `scope` and picks the option with text. */
async function pick(scope, text, type) {
  await scope.locator('.el-select__wrapper').first().click()
  if (type) await page.keyboard.type(type)
  const item = page.locator('.el-select-dropdown__item:visible', { hasText: text }).first()
  await item.waitFor()
  await item.click()
}

async function settle(p) {
  await p.waitForFunction(() => ![...document.querySelectorAll('.el-loading-mask')].some((m) => m.offsetParent !== null), null, { timeout: 5000 }).catch(() => {})
  await p.waitForTimeout(300)
}

test('create a customer with a Chinese name (owner picked by type-ahead)', { timeout: 40_000 }, () => step('create', async () => {
  await page.goto(`${server.url}/customers`)
  await page.locator('[data-test=customers-table] .el-table__row').first().waitFor()
  await page.locator('[data-test=new-customer]').click()
  await page.waitForURL(/\/customers\/new$/)
  const form = page.locator('[data-test=customer-form]')
  await form.locator('input[name=name]').fill(NAME)
  await pick(form.locator('[data-field=status]'), '潜在客户')
  await pick(form.locator('[data-field=owner_id]'), '王芳', '王芳')
  await form.locator('input[name=mobile]').fill('13712345678')
  await form.locator('input[name=province]').fill('河南')
  await form.locator('input[name=city]').fill('郑州')
  await form.locator('[data-test=save]').click()
  await page.waitForURL(/\/customers\/\d+$/)
  ids.main = page.url().split('/').pop()
  await page.locator('[data-test=customer-name]', { hasText: NAME }).waitFor()
  assert.match(await page.locator('[data-test=customer-code]').innerText(), /^C\d{4}\d{5}$/)
  assert.match(await page.locator('[data-test=customer-status]').innerText(), /潜在客户/)
  // one person serves it: the key-person risk shows in the header and the team card
  const badges = page.locator('[data-test=team-badges]')
  await badges.locator('[data-risk=single_person]').waitFor()
  assert.match(await badges.innerText(), /王芳/)
  await page.locator('[data-test=team-card] [data-member=wangfang]').waitFor()
}))

test('find it in the global search by pinyin initials and by Traditional characters', { timeout: 30_000 }, () => step('search', async () => {
  await page.goto(`${server.url}/`)
  const box = page.locator('[data-test=global-search] input, input[data-test=global-search]').first()
  for (const q of ['zzhrx', '鄭州恆瑞']) {
    await box.fill('')
    await box.fill(q)
    const item = page.locator('.gx-search-popper li', { hasText: NAME })
    await item.first().waitFor()
  }
  // choosing it opens the customer 360
  await page.locator('.gx-search-popper li', { hasText: NAME }).first().click()
  await page.waitForURL(new RegExp(`/customers/${ids.main}$`))
  await page.locator('[data-test=customer-name]', { hasText: NAME }).waitFor()
}))

test('log a phone call on its timeline', { timeout: 30_000 }, () => step('log-call', async () => {
  const tl = page.locator('[data-test=timeline]')
  await tl.locator('[data-test=quick-log] button[data-channel=phone]').click()
  const form = tl.locator('[data-test=quick-log-form]')
  await form.waitFor()
  await form.locator('input[name=subject]').fill('电话确认首批订单的交货时间')
  await form.locator('textarea[name=notes]').fill('对方采购经理同意下周三送货，需提前一天电话通知仓库。')
  await form.locator('input[name=outcome]').fill('同意下周三送货')
  await form.locator('input[name=duration_min]').fill('15')
  await form.locator('[data-test=quick-log-save]').click()
  await form.waitFor({ state: 'detached' })
  const item = tl.locator('li[data-kind=activity][data-channel=phone]', { hasText: '电话确认首批订单的交货时间' })
  await item.waitFor()
  assert.match(await item.innerText(), /同意下周三送货/)
  assert.match(await item.innerText(), /系统管理员/)
  const acts = await api.call('GET', `/activities?filter[customer_id]=${ids.main}`)
  assert.equal(acts.body.items.length, 1)
  assert.equal(acts.body.items[0].channel, 'phone')
  assert.equal(acts.body.items[0].duration_min, 15)
  // the last follow-up moved
  const c = await api.call('GET', `/customers/${ids.main}`)
  assert.ok(c.body.last_follow_up_at)
}))

test('edit: a server validation error shows on the right field', { timeout: 30_000 }, () => step('validation', async () => {
  await page.locator('[data-test=edit-customer]').click()
  await page.waitForURL(/\/edit$/)
  const form = page.locator('[data-test=customer-form]')
  await form.locator('input[name=email]').fill('not-an-email')
  await form.locator('[data-test=save]').click()
  const err = form.locator('[data-field=email] .el-form-item__error')
  await err.waitFor()
  assert.match(await err.innerText(), /有效的邮箱地址/)
  assert.equal(await form.locator('.el-form-item__error').count(), 1)
  await form.locator('input[name=email]').fill('purchase@hengruixiang.example.cn')
  await form.locator('[data-test=save]').click()
  await page.waitForURL(new RegExp(`/customers/${ids.main}$`))
  await page.locator('[data-test=profile] [data-field=email]', { hasText: 'purchase@hengruixiang.example.cn' }).waitFor()
}))

test('define a custom field, see it on the form, its error on it, its value on the 360', { timeout: 45_000 }, () => step('custom-field', async () => {
  await page.goto(`${server.url}/admin/custom-fields`)
  await page.locator('[data-test=new-field]').click()
  const dlg = page.locator('.el-dialog[data-test=field-form]')
  await dlg.waitFor()
  await dlg.locator('input[name=label_zh_cn]').fill(FIELD.label)
  await dlg.locator('input[name=name]').fill(FIELD.name)
  await dlg.locator('input[name=label_zh_tw]').fill('入伙服務')
  await dlg.locator('input[name=label_en]').fill(FIELD.en)
  await pick(dlg.locator('[data-field=type]'), '单选')
  for (const o of FIELD.options) {
    await dlg.locator('input[name=new-option]').fill(o)
    await dlg.locator('input[name=new-option]').press('Enter')
  }
  await dlg.locator('[data-field=required] .el-switch').click()
  await dlg.locator('[data-test=save]').click()
  await dlg.waitFor({ state: 'hidden' })
  await page.locator('[data-test=fields-table] .el-table__row', { hasText: FIELD.label }).waitFor()

  // the new-customer form has it, required; leaving it empty is an error on that field
  await page.goto(`${server.url}/customers/new`)
  const form = page.locator('[data-test=customer-form]')
  const item = form.locator(`[data-field="custom.${FIELD.name}"]`)
  await item.waitFor()
  assert.match(await item.innerText(), new RegExp(FIELD.label))
  await form.locator('input[name=name]').fill('洛阳入伙测试置业有限公司')
  await form.locator('[data-test=save]').click()
  const err = item.locator('.el-form-item__error')
  await err.waitFor()
  assert.match(await err.innerText(), /必填/)
  await pick(item, '已预约')
  await form.locator('[data-test=save]').click()
  await page.waitForURL(/\/customers\/\d+$/)
  ids.custom = page.url().split('/').pop()
  await page.locator('[data-test=profile] [data-tab=custom]').click()
  await page.locator('[data-test=profile-custom]', { hasText: '已预约' }).waitFor()
  // not required any more, so the other tests need not fill it (the server
  // wants the options again on every change of an option field)
  const list = await api.call('GET', `/custom-fields?filter[name]=${FIELD.name}`)
  const def = list.body.items[0]
  const r = await api.call('PATCH', `/custom-fields/${def.id}`, { required: false, options: def.options }, { 'If-Match': `"${def.version}"` })
  assert.equal(r.status, 200)
}))

test('an option value: its labels in one column, edited and deleted from its row', { timeout: 30_000 }, () => step('option-value', async () => {
  await page.goto(`${server.url}/admin/option-lists`)
  await page.locator('[data-test=new-option]').click()
  const dlg = page.locator('.el-dialog[data-test=option-form]')
  await dlg.waitFor()
  await dlg.locator('input[name=value]').fill('franchisee')
  await dlg.locator('input[name=label_zh_cn]').fill('加盟商')
  await dlg.locator('input[name=label_zh_tw]').fill('加盟商（台）')
  await dlg.locator('input[name=label_en]').fill('Franchisee')
  await dlg.locator('[data-test=save]').click()
  await dlg.waitFor({ state: 'hidden' })
  const row = page.locator('[data-test=options-table] .el-table__row', { hasText: 'franchisee' })
  await row.waitFor()
  assert.match(await row.innerText(), /加盟商 \/ 加盟商（台） \/ Franchisee/)
  await row.locator('[data-test=edit]').click()
  await dlg.waitFor()
  assert.equal(await dlg.locator('input[name=label_en]').inputValue(), 'Franchisee')
  await dlg.locator('input[name=label_en]').fill('Franchise partner')
  await dlg.locator('[data-test=save]').click()
  await dlg.waitFor({ state: 'hidden' })
  await page.locator('[data-test=options-table] .el-table__row', { hasText: 'Franchise partner' }).waitFor()
  await row.locator('.gx-actions button').nth(1).click()
  await page.locator('.el-message-box .el-button--primary').click()
  await row.waitFor({ state: 'detached' })
}))

test('a duplicate: the dialog offers the existing customer, merge moves the data into it', { timeout: 45_000 }, () => step('duplicate', async () => {
  await page.goto(`${server.url}/customers/new`)
  const form = page.locator('[data-test=customer-form]')
  await form.locator('input[name=name]').waitFor()
  await page.waitForTimeout(300)
  await form.locator('input[name=name]').fill(DUP_NAME)
  await form.locator('input[name=tax_id]').fill('91410100MA44HRX001')
  await form.locator('input[name=bank_name]').fill('中国工商银行郑州分行')
  await form.locator('[data-test=save]').click()
  const dlg = page.locator('.el-dialog[data-test=duplicate-dialog]')
  await dlg.waitFor()
  const cand = dlg.locator('[data-test=duplicate-candidate]', { hasText: NAME })
  await cand.waitFor()
  assert.match(await cand.innerText(), /名称相同/)
  await page.waitForTimeout(400) // the dialog's fade-in
  await shot(page, 'customer-duplicate-zh-CN-desktop')
  await cand.locator('[data-test=duplicate-merge]').click()
  await page.waitForURL(new RegExp(`/customers/${ids.main}$`))
  await page.locator('[data-test=customer-name]', { hasText: NAME }).waitFor()
  // the existing record got the new data; the new one is deleted and points to it
  const c = await api.call('GET', `/customers/${ids.main}`)
  assert.equal(c.body.tax_id, '91410100MA44HRX001')
  assert.equal(c.body.bank_name, '中国工商银行郑州分行')
  const gone = await api.call('GET', `/customers?deleted=true&filter[merged_into]=${ids.main}`)
  assert.equal(gone.body.items.length, 1)
  assert.equal(gone.body.items[0].name, DUP_NAME)
  await page.locator('[data-test=profile] [data-tab=terms]').click()
  await page.locator('[data-test=profile] [data-field=tax_id]', { hasText: '91410100MA44HRX001' }).waitFor()
}))

test('a saved view and a bulk status change with its summary', { timeout: 45_000 }, () => step('views-bulk', async () => {
  await page.goto(`${server.url}/customers`)
  await page.locator('[data-test=customers-table] .el-table__row').first().waitFor()
  await pick(page.locator('[data-test=filter-status]'), '线索')
  await page.waitForURL(/status=lead/)
  await settle(page)
  await page.locator('[data-test=views]').click()
  const panel = page.locator('[data-test=views-panel]')
  await panel.waitFor()
  await panel.locator('input[name=view-name]').fill('我的线索')
  await panel.locator('[data-test=view-save]').click()
  // back to everything, then the view again
  await page.goto(`${server.url}/customers`)
  await page.locator('[data-test=customers-table] .el-table__row').first().waitFor()
  await page.locator('[data-test=views]').click()
  await page.locator('[data-test=views-panel] [data-test=view-apply]', { hasText: '我的线索' }).click()
  await page.waitForURL(/status=lead/)
  await settle(page)
  const rows = page.locator('[data-test=customers-table] .el-table__body .el-table__row')
  const names = []
  for (let i = 0; i < 2; i++) {
    await rows.nth(i).locator('.el-checkbox').click()
    names.push((await rows.nth(i).locator('[data-test=customer-link]').innerText()).trim())
  }
  await page.locator('[data-test=bulk-bar]').waitFor()
  await page.locator('[data-test=bulk-status]').click()
  await page.locator('.el-dropdown-menu__item[data-status=prospect]:visible').click()
  const dlg = page.locator('.el-dialog[data-test=bulk-dialog]')
  await dlg.locator('[data-test=bulk-close]').waitFor()
  assert.match(await dlg.locator('[data-test=bulk-summary]').innerText(), /成功 2 个/)
  await dlg.locator('[data-test=bulk-close]').click()
  for (const n of names) {
    const r = await api.call('GET', `/customers?q=${encodeURIComponent(n)}&limit=5`)
    assert.equal(r.body.items.find((x) => x.name === n).status, 'prospect')
  }
}))

test('export the filtered list as CSV', { timeout: 30_000 }, () => step('export', async () => {
  await page.goto(`${server.url}/customers?status=former`)
  await page.locator('[data-test=customers-table] .el-table__row').first().waitFor()
  await settle(page)
  const total = Number((await page.locator('.gx-page-head .gx-sub').innerText()).replace(/[^0-9]/g, ''))
  await page.locator('[data-test=export]').click()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('.el-dropdown-menu__item:visible', { hasText: 'CSV' }).click(),
  ])
  assert.match(download.suggestedFilename(), /^customers-\d{8}\.csv$/)
  const { readFileSync } = await import('node:fs')
  const text = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '')
  const lines = text.trim().split(/\r?\n/)
  assert.match(lines[0], /客户名称/)
  assert.equal(lines.length - 1, total, 'one row per customer in the list')
}))

test('claim a customer from the pool', { timeout: 30_000 }, () => step('pool', async () => {
  await page.locator('.gx-aside [data-nav=pool]').click()
  await page.waitForURL(/\/customers\/pool$/)
  const row = page.locator('[data-test=customers-table] .el-table__body .el-table__row').first()
  await row.waitFor()
  const name = (await row.locator('[data-test=customer-link]').innerText()).trim()
  await row.locator('[data-test=claim]').click()
  await page.locator('.el-message--success', { hasText: name }).waitFor()
  const r = await api.call('GET', `/customers?q=${encodeURIComponent(name)}&limit=5`)
  assert.equal(r.body.items.find((x) => x.name === name).in_pool, false)
}))

test('the insights panel: the analytics when they answer, an honest "no data yet" otherwise', { timeout: 30_000 }, () => step('insights', async () => {
  // a customer whose business declines, when the analytics exist
  const dec = await api.call('GET', '/analytics/decline?limit=1')
  const target = dec.status === 200 && dec.body.items && dec.body.items.length ? String(dec.body.items[0].customer_id) : ids.main
  ids.rich = target
  const ins = await api.call('GET', `/customers/${target}/insights`)
  await page.goto(`${server.url}/customers/${target}`)
  const panel = page.locator('[data-test=insights]')
  await panel.waitFor()
  await page.waitForFunction(() => document.querySelector('[data-test=insights]').dataset.state !== 'loading', null, { timeout: 10_000 })
  const state = await panel.getAttribute('data-state')
  if (ins.status === 404) {
    assert.equal(state, 'unavailable')
    assert.match(await panel.innerText(), /暂无分析数据/)
  } else {
    assert.equal(ins.status, 200)
    assert.equal(state, ins.body.rfm ? 'ready' : 'empty')
    if (ins.body.rfm) assert.match(await panel.innerText(), new RegExp(ins.body.rfm.label['zh-CN']))
    if (ins.body.decline && ins.body.decline.flag) await panel.locator('[data-test=insights-decline]').waitFor()
  }
}))

test('hand over a leaving employee\'s customers to a successor', { timeout: 40_000 }, () => step('handover', async () => {
  const users = await api.call('GET', '/users?filter[username]=zhangwei')
  const zw = users.body.items[0]
  const before = await api.call('GET', `/customers?member=${zw.id}&count=true&limit=1`)
  assert.ok(before.body.total > 0)
  await page.goto(`${server.url}/admin/handover`)
  await pick(page.locator('[data-field=from]'), '张伟', '张伟')
  const stake = page.locator('[data-test=handover-stake]')
  await stake.locator('strong').waitFor()
  assert.match(await stake.innerText(), new RegExp(`${before.body.total} 个客户`))
  await pick(page.locator('[data-field=to]'), '李军', '李军')
  await page.locator('[data-test=handover-go]').click()
  await page.locator('.el-message-box__btns .el-button--danger').click()
  const result = page.locator('[data-test=handover-result]')
  await result.waitFor()
  assert.equal((await result.locator('[data-test=moved-customers]').innerText()).trim(), String(before.body.total))
  await shot(page, 'admin-handover-result-zh-CN-desktop')
  const afterZw = await api.call('GET', `/customers?member=${zw.id}&count=true&limit=1`)
  assert.equal(afterZw.body.total, 0)
  const u = await api.call('GET', `/users/${zw.id}`)
  assert.ok(u.body.disabled_at, 'the leaver is disabled')
  assert.deepEqual(unexpected(page), [])
}))

// ---- screenshots: zh-CN and en, desktop and 390 px ---------------------------------

for (const locale of ['zh-CN', 'en']) {
  for (const [vpName, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`customer screenshots ${locale} ${vpName}`, { timeout: 90_000 }, async () => {
      const { context, page: p } = await newPage(browser, { locale, viewport })
      try {
        await login(p, server.url)
        const rich = ids.rich || ids.main
        const pages = [
          ['customer-list', '/customers', false],
          ['customer-pool', '/customers/pool', false],
          ['customer-360', `/customers/${rich}`, true],
          ['customer-360-new', `/customers/${ids.main}`, true],
          ['customer-form', `/customers/${ids.main}/edit`, false],
          ['admin-custom-fields', '/admin/custom-fields', false],
          ['admin-option-lists', '/admin/option-lists', false],
          ['admin-handover', '/admin/handover', false],
          ['admin-tenant-rules', '/admin/tenant', true],
        ]
        for (const [name, path, full] of pages) {
          await p.goto(server.url + path)
          await p.locator('.gx-page h1').first().waitFor()
          await settle(p)
          await shot(p, `${name}-${locale}-${vpName}`, full)
        }
        // the filters drawer and the quick-log form
        await p.goto(`${server.url}/customers`)
        await p.locator('[data-test=customers-table] .el-table__row').first().waitFor()
        await p.locator('[data-test=more-filters]').click()
        await p.locator('.el-drawer .gx-filter-form').waitFor()
        await p.waitForTimeout(400)
        await shot(p, `customer-filters-${locale}-${vpName}`)
        await p.keyboard.press('Escape')
        await p.goto(`${server.url}/customers/${ids.main}`)
        await p.locator('[data-test=quick-log] button[data-channel=visit]').click()
        await p.locator('[data-test=quick-log-form]').waitFor()
        await p.locator('[data-test=quick-log]').scrollIntoViewIfNeeded()
        await p.waitForTimeout(300)
        await shot(p, `customer-quick-log-${locale}-${vpName}`)
        // nothing overflows a phone's width
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        assert.ok(overflow <= 1, `the 360 page is ${overflow}px wider than the window`)
        assert.deepEqual(unexpected(p), [])
      } finally {
        await context.close()
      }
    })
  }
}
