// app.test.mjs — the web app in a real browser against a real server: log in,
// switch language, create a team and a user with a Chinese name, a
// validation error shown on its field, a stale edit answered with the
// conflict message, log out. Then screenshots of the main pages.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  startServer, launchBrowser, newPage, login, apiClient, screenshot, DESKTOP, PHONE,
} from './harness.mjs'

const RUN = Date.now().toString(36).slice(-5)
const TEAM = `华北销售部${RUN}`
const USERNAME = `zhao.min.${RUN}`
const DISPLAY = '赵敏'

let server, browser, page, context

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  ;({ page, context } = await newPage(browser, { locale: 'zh-CN', viewport: DESKTOP }))
}, { timeout: 90_000 })

after(async () => {
  if (browser) await browser.close().catch(() => {})
  if (server) await server.stop()
}, { timeout: 30_000 })

// errors a page may log that are expected: 401 before login, the 412/422 we provoke
const EXPECTED = /status of (401|412|422)/
function unexpectedProblems() {
  return page.problems.filter((p) => !EXPECTED.test(p))
}

/** Picks a language in the header menu; retried because a click that lands
 * while the menu is still opening can be lost. */
async function chooseLanguage(p, code, check) {
  for (let i = 0; i < 3; i++) {
    await p.locator('[data-test=lang-switch]').click()
    const item = p.locator(`.el-dropdown-menu__item[data-locale="${code}"]:visible`)
    await item.waitFor()
    await p.waitForTimeout(250)
    await item.click()
    try {
      await p.waitForFunction(check, null, { timeout: 3000 })
      return
    } catch { await p.keyboard.press('Escape') }
  }
  throw new Error(`the language did not change to ${code}`)
}

async function failShot(name, fn) {
  try {
    await fn()
  } catch (e) {
    await screenshot(page, `FAILED-${name}`).catch(() => {})
    throw e
  }
}

test('the server sends the app with a CSP and immutable hashed assets', { timeout: 20_000 }, async () => {
  const res = await fetch(`${server.url}/admin/users`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-security-policy') || '', /script-src 'self'/)
  const html = await res.text()
  const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)
  assert.ok(js, 'index.html loads a hashed script from /assets/')
  const asset = await fetch(server.url + js[1])
  assert.equal(asset.status, 200)
  assert.match(asset.headers.get('cache-control') || '', /immutable/)
})

test('the first language comes from the browser (zh-HK → Traditional, fr → English)', { timeout: 20_000 }, async () => {
  for (const [locale, text] of [['zh-HK', '登入'], ['fr-FR', 'Log in'], ['zh-SG', '登录']]) {
    const { context: ctx, page: p } = await newPage(browser, { locale })
    try {
      await p.goto(`${server.url}/login`)
      await p.waitForFunction((t) => document.querySelector('[data-test=login-submit]')?.innerText.trim() === t, text, { timeout: 5000 })
    } finally { await ctx.close() }
  }
})

test('log in', { timeout: 30_000 }, () => failShot('login', async () => {
  await page.goto(`${server.url}/admin/users`)
  // a stranger is sent to the login page, which comes back afterwards
  await page.waitForURL(/\/login\?redirect=/)
  await page.locator('input[name=username]').fill('admin')
  await page.locator('input[name=password]').fill('wrong-password')
  await page.locator('[data-test=login-submit]').click()
  await page.locator('[data-test=login-error]').waitFor()
  assert.match(await page.locator('[data-test=login-error]').innerText(), /用户名或密码错误/)
  await page.locator('input[name=password]').fill('admin-pass-1')
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL(/\/admin\/users$/)
  await page.locator('[data-test=users-table] .el-table__row').first().waitFor()
  assert.equal(await page.locator('h1').innerText(), '用户')
}))

test('switch language zh-CN → en → zh-TW, remembered after a reload', { timeout: 30_000 }, () => failShot('language', async () => {
  const navUsers = page.locator('.gx-aside [data-nav=users]')
  assert.equal((await navUsers.innerText()).trim(), '用户')
  for (const [code, label] of [['en', 'Users'], ['zh-TW', '使用者']]) {
    await chooseLanguage(page, code, `document.querySelector('.gx-aside [data-nav=users]').innerText.trim() === ${JSON.stringify(label)}`)
    assert.equal(await page.locator('html').getAttribute('lang'), code)
  }
  // Element Plus speaks the language too (its empty-table text, pagination...)
  await page.reload()
  await page.locator('.gx-aside [data-nav=users]').waitFor()
  assert.equal((await navUsers.innerText()).trim(), '使用者')
  assert.equal(await page.locator('h1').innerText(), '使用者')
  // back to Simplified Chinese for the rest
  await chooseLanguage(page, 'zh-CN', "document.querySelector('h1').innerText === '用户'")
}))

test('create a team', { timeout: 30_000 }, () => failShot('team', async () => {
  await page.locator('.gx-aside [data-nav=teams]').click()
  await page.waitForURL(/\/admin\/teams$/)
  await page.locator('[data-test=new-team]').click()
  const dlg = page.locator('.el-dialog[data-test=team-form]')
  await dlg.waitFor()
  await dlg.locator('input[name=name]').fill(TEAM)
  await dlg.locator('textarea[name=description]').fill('北京、天津的渠道客户')
  await dlg.locator('[data-test=save]').click()
  await dlg.waitFor({ state: 'hidden' })
  await page.locator('[data-test=teams-table] .el-table__row', { hasText: TEAM }).waitFor()
}))

test('create a user with a Chinese name in that team', { timeout: 40_000 }, () => failShot('user', async () => {
  await page.locator('.gx-aside [data-nav=users]').click()
  await page.waitForURL(/\/admin\/users/)
  await page.locator('[data-test=new-user]').click()
  const dlg = page.locator('.el-dialog[data-test=user-form]')
  await dlg.waitFor()
  await dlg.locator('input[name=username]').fill(USERNAME)
  await dlg.locator('input[name=display_name]').fill(DISPLAY)
  await dlg.locator('input[name=email]').fill(`${USERNAME}@example.cn`)
  // the team picker is a server-side type-ahead
  await dlg.locator('[data-field=team_id] .el-select__wrapper').click()
  await page.keyboard.type(TEAM.slice(0, 4))
  await page.locator('.el-select-dropdown__item:visible', { hasText: TEAM }).click()
  await dlg.locator('input[name=password]').fill('Zhao-min-2024')
  await dlg.locator('[data-test=save]').click()
  await dlg.waitFor({ state: 'hidden' })
  const row = page.locator('[data-test=users-table] .el-table__row', { hasText: USERNAME })
  await row.waitFor()
  const text = await row.innerText()
  assert.match(text, new RegExp(DISPLAY))
  assert.match(text, new RegExp(TEAM))
  assert.match(text, /销售/)
}))

test('a validation error from the server shows on the right field', { timeout: 30_000 }, () => failShot('validation', async () => {
  const row = page.locator('[data-test=users-table] .el-table__row', { hasText: USERNAME })
  await row.locator('[data-test=edit]').click()
  const dlg = page.locator('.el-dialog[data-test=user-form]')
  await dlg.waitFor()
  await dlg.locator('input[name=email]').fill('not-an-email')
  await dlg.locator('[data-test=save]').click()
  const err = dlg.locator('[data-field=email] .el-form-item__error')
  await err.waitFor()
  assert.match(await err.innerText(), /有效的邮箱地址/)
  // no other field is blamed
  assert.equal(await dlg.locator('.el-form-item__error').count(), 1)
  await dlg.locator('input[name=email]').fill(`${USERNAME}@example.cn`)
  await dlg.locator('input[name=phone]').fill('13912345678')
  await dlg.locator('[data-test=save]').click()
  await dlg.waitFor({ state: 'hidden' })
  await page.locator('[data-test=users-table] .el-table__row', { hasText: '13912345678' }).waitFor()
}))

test('a stale edit shows the conflict message and can be reloaded', { timeout: 30_000 }, () => failShot('conflict', async () => {
  const row = page.locator('[data-test=users-table] .el-table__row', { hasText: USERNAME })
  await row.locator('[data-test=edit]').click()
  const dlg = page.locator('.el-dialog[data-test=user-form]')
  await dlg.waitFor()
  // someone else changes the same user through the API meanwhile
  const api = await apiClient(server.url)
  const list = await api.call('GET', `/users?filter[username]=${encodeURIComponent(USERNAME)}`)
  const u = list.body.items[0]
  const other = await api.call('PATCH', `/users/${u.id}`, { display_name: '赵敏（华北）' }, { 'If-Match': `"${u.version}"` })
  assert.equal(other.status, 200)
  await dlg.locator('input[name=phone]').fill('13800000000')
  await dlg.locator('[data-test=save]').click()
  const conflict = dlg.locator('[data-test=conflict]')
  await conflict.waitFor()
  assert.match(await conflict.innerText(), /其他人修改了这条记录/)
  // reload: the other change arrives, this user's edit is kept
  await dlg.locator('[data-test=conflict-reload]').click()
  await conflict.waitFor({ state: 'hidden' })
  assert.equal(await dlg.locator('input[name=display_name]').inputValue(), '赵敏（华北）')
  assert.equal(await dlg.locator('input[name=phone]').inputValue(), '13800000000')
  await dlg.locator('[data-test=save]').click()
  await dlg.waitFor({ state: 'hidden' })
  await page.locator('[data-test=users-table] .el-table__row', { hasText: '13800000000' }).waitFor()
  const after = await api.call('GET', `/users/${u.id}`)
  assert.equal(after.body.display_name, '赵敏（华北）')
  assert.equal(after.body.phone, '13800000000')
}))

test('delete a team, find it under "Deleted", restore it; its history', { timeout: 30_000 }, () => failShot('delete-restore', async () => {
  await page.goto(`${server.url}/admin/teams`)
  const row = page.locator('[data-test=teams-table] .el-table__row', { hasText: TEAM })
  await row.locator('.el-button--danger').click()
  await page.locator('.el-message-box__btns .el-button--danger').click()
  await row.waitFor({ state: 'detached' })
  await page.locator('[data-test=team-status]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '已删除' }).click()
  const gone = page.locator('[data-test=teams-table] .el-table__row', { hasText: TEAM })
  await gone.locator('button', { hasText: '恢复' }).click()
  await gone.waitFor({ state: 'detached' })
  await page.locator('[data-test=team-status]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '当前' }).click()
  const back = page.locator('[data-test=teams-table] .el-table__row', { hasText: TEAM })
  await back.locator('[data-test=history]').click()
  const drawer = page.locator('.el-drawer.gx-history')
  await drawer.locator('[data-test=history-created]').waitFor()
  await page.waitForTimeout(300)
  // newest first: restored, deleted, ..., created — as words, not as field names
  const text = await drawer.innerText()
  assert.ok(text.indexOf('已恢复') < text.indexOf('已删除') && text.indexOf('已删除') < text.indexOf('创建了这条记录'), text)
  assert.doesNotMatch(text, /deleted_at/)
  await screenshot(page, 'history-zh-CN-desktop')
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })
}))

test('the global search finds a user by name', { timeout: 20_000 }, () => failShot('search', async () => {
  await page.goto(`${server.url}/`)
  await page.locator('[data-test=global-search] input, input[data-test=global-search]').first().fill('赵敏')
  const item = page.locator('.gx-search-popper li', { hasText: USERNAME })
  await item.waitFor()
  await item.click()
  await page.locator('.el-dialog[data-test=user-form]').waitFor()
  assert.equal(await page.locator('.el-dialog[data-test=user-form] input[name=username]').inputValue(), USERNAME)
  await page.keyboard.press('Escape')
}))

test('an API key is shown once, then revoked', { timeout: 30_000 }, () => failShot('api-key', async () => {
  await page.goto(`${server.url}/admin/api-keys`)
  await page.locator('[data-test=new-key]').click()
  const dlg = page.locator('.el-dialog:visible', { has: page.locator('input[name=name]') })
  await dlg.locator('input[name=name]').fill('ERP 同步')
  await dlg.locator('.el-dialog__footer .el-button--primary').click()
  const shown = page.locator('.el-dialog[data-test=key-created]')
  await shown.waitFor()
  const key = await shown.locator('input').inputValue()
  assert.match(key, /^gxk_/)
  await page.waitForTimeout(500)
  await screenshot(page, 'api-key-created-zh-CN-desktop')
  // the key works for the API
  const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${key}` } })
  assert.equal(me.status, 200)
  await shown.locator('.el-dialog__footer .el-button').click()
  await shown.waitFor({ state: 'hidden' })
  const row = page.locator('.el-table__row', { hasText: 'ERP 同步' })
  await row.waitFor()
  await row.locator('.el-button--danger').click()
  await page.locator('.el-message-box .el-button--danger, .el-message-box__btns .el-button--primary').first().click()
  await row.locator('.el-tag', { hasText: '已吊销' }).waitFor()
  const after = await fetch(`${server.url}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${key}` } })
  assert.equal(after.status, 401)
}))

test('log out', { timeout: 20_000 }, () => failShot('logout', async () => {
  await page.locator('[data-test=user-menu]').click()
  await page.locator('.el-dropdown-menu__item[data-test=logout]:visible').click()
  await page.waitForURL(/\/login/)
  // the session is gone on the server too
  await page.goto(`${server.url}/admin/teams`)
  await page.waitForURL(/\/login\?redirect=/)
  assert.deepEqual(unexpectedProblems(), [])
}))

// ---- screenshots of the main pages: zh-CN and en, desktop and 390 px ------------

const PAGES = [
  ['home', '/'],
  ['users', '/admin/users'],
  ['teams', '/admin/teams'],
  ['tenant', '/admin/tenant'],
  ['api-keys', '/admin/api-keys'],
  ['audit', '/admin/audit'],
  ['customers', '/customers'],
]

for (const locale of ['zh-CN', 'en']) {
  for (const [vpName, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`screenshots ${locale} ${vpName}`, { timeout: 60_000 }, async () => {
      const { context: ctx, page: p } = await newPage(browser, { locale, viewport })
      try {
        await p.goto(`${server.url}/login`)
        await p.locator('[data-test=login-submit]').waitFor()
        await p.waitForTimeout(200)
        await screenshot(p, `login-${locale}-${vpName}`)
        await login(p, server.url)
        for (const [name, path] of PAGES) {
          await p.goto(server.url + path)
          await p.locator('.gx-page h1').waitFor()
          // settled: no loading mask left (bounded; a slow page is still shot)
          await p.waitForFunction(() => ![...document.querySelectorAll('.el-loading-mask')].some((m) => m.offsetParent !== null), null, { timeout: 5000 }).catch(() => {})
          await p.waitForTimeout(250)
          await screenshot(p, `${name}-${locale}-${vpName}`)
        }
        // a form, the history drawer and (on phones) the navigation drawer
        await p.goto(`${server.url}/admin/users`)
        await p.locator('[data-test=users-table] [data-test=edit]').first().click()
        await p.locator('.el-dialog[data-test=user-form]').waitFor()
        await p.waitForTimeout(400)
        await screenshot(p, `user-form-${locale}-${vpName}`)
        await p.keyboard.press('Escape')
        if (viewport === PHONE) {
          await p.locator('.gx-burger').click()
          await p.locator('.gx-nav-drawer [data-nav=users]').waitFor()
          await p.waitForTimeout(400)
          await screenshot(p, `nav-drawer-${locale}-${vpName}`)
        }
        const problems = p.problems.filter((x) => !EXPECTED.test(x))
        assert.deepEqual(problems, [])
      } finally {
        await ctx.close()
      }
    })
  }
}
