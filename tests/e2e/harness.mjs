// harness.mjs — starts a real guanxi server on a fresh database and Debian's
// chromium through playwright-core, for the browser tests in this folder.
//   GX_BIN       the guanxi binary (default build/asan/guanxi); it must embed web/dist
//   GX_CHROMIUM  the browser (default /usr/bin/chromium)
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const ADMIN_PASSWORD = 'admin-pass-1'
export const SHOTS = join(ROOT, 'test-output', 'screenshots')

/** Starts `guanxi serve` on 127.0.0.1:<free port> with a fresh demo database
 * (an empty company with `demo: false`). Returns {url, port, stop()}. */
export async function startServer({ demo = true } = {}) {
  const bin = resolve(ROOT, process.env.GX_BIN || 'build/asan/guanxi')
  const dir = mkdtempSync(join(tmpdir(), 'gx-e2e-'))
  const db = join(dir, 'gx.db')
  const env = { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=0' }
  const opts = { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }
  execFileSync(bin, ['init', '--db', db, '--admin-password', ADMIN_PASSWORD], opts)
  if (demo) execFileSync(bin, ['demo', '--db', db], opts)
  const proc = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`guanxi did not say its port within 20 s:\n${log}`)), 20_000)
    proc.stderr.on('data', (d) => {
      log += d
      const m = /port (\d+)/.exec(log)
      if (m) { clearTimeout(timer); ok(Number(m[1])) }
    })
    proc.on('exit', (code) => { clearTimeout(timer); fail(new Error(`guanxi exited (${code}):\n${log}`)) })
  })
  proc.removeAllListeners('exit')
  proc.stderr.on('data', () => {}) // keep draining
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    port,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((ok) => proc.once('exit', ok))
        proc.kill('SIGTERM')
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await done
        clearTimeout(t)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Launches headless chromium with a fresh profile. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.GX_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

export const DESKTOP = { width: 1366, height: 860 }
export const PHONE = { width: 390, height: 844 }

/** A new browser context + page with a locale and viewport; every wait bounded. */
export async function newPage(browser, { locale = 'zh-CN', viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ locale, viewport, deviceScaleFactor: 1, hasTouch: viewport.width < 500, isMobile: false })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  page.setDefaultNavigationTimeout(15_000)
  const problems = []
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
  page.problems = problems
  return { context, page }
}

/** Logs in through the login page and waits for the app shell. */
export async function login(page, url, username = 'admin', password = ADMIN_PASSWORD) {
  await page.goto(`${url}/login`)
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill(password)
  await page.locator('[data-test=login-submit]').click()
  await page.locator('.gx-header').waitFor()
}

/** An API client for the test itself (Bearer token, not the browser's cookie). */
export async function apiClient(url, username = 'admin', password = ADMIN_PASSWORD) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  })
  if (!res.ok) throw new Error(`login failed: ${res.status}`)
  const { token } = await res.json()
  const call = async (method, path, body, headers = {}) => {
    const r = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await r.text()
    return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null }
  }
  return { call }
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false })
}
