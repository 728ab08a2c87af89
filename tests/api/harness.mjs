// harness.mjs — starts a fresh guanxi server for one test file and talks to it.
//
// A test file does:
//   const gx = new Guanxi({ users: [{ name: 'sam', role: 'sales' }] });
//   before(() => gx.setup());      // temp dir, `guanxi init`, CLI users, `serve`
//   after(() => gx.stop());        // SIGTERM (SIGKILL after a bound), then the
//                                  // sanitizer / 5xx checks: a failure fails the file
// and calls gx.login(), gx.get(), gx.post(), ..., assertProblem().
//
// The binary is $GX_BIN (default build/asan/guanxi under the repository root).
// Everything is bounded in time: CLI runs, start-up, every HTTP request, shutdown.
//
// PostgreSQL mode: when $GX_TEST_PG_URL names a database (scripts/pg.sh start
// prints one), each Guanxi instance keeps its data in a schema of its own in
// that database, `GX_TEST_PG_URL?options=-csearch_path%3D<schema>` as --db
// (`guanxi init` creates the schema; stop() drops it unless something failed),
// and sqlite(gx.db, ...) runs the SQL with psql (`.dump` with pg_dump).
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = resolve(ROOT, process.env.GX_BIN || 'build/asan/guanxi');
export const ADMIN_PASSWORD = 'Admin-pass-2026!';
export const USER_PASSWORD = 'User-pass-2026!';

const CLI_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
export const FETCH_TIMEOUT_MS = 15_000;

// What a sanitizer prints when it finds something.
const SANITIZER_RE = /ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ERROR: UndefinedBehaviorSanitizer/;

// Sanitizer behaviour for every process we start (callers may override).
const SAN_ENV = {
  ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
  UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1',
};

// Servers still running when the test process exits are killed, so that a
// crashed test file never leaves one behind.
const running = new Set();
process.on('exit', () => {
  for (const p of running) {
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone already */ }
  }
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fails when text holds a sanitizer report; `what` names the process. */
export function assertNoSanitizerReport(text, what) {
  const m = SANITIZER_RE.exec(text);
  if (m) {
    const from = Math.max(0, m.index - 200);
    assert.fail(`${what}: sanitizer report in stderr:\n${text.slice(from, from + 4000)}`);
  }
}

/** Runs the guanxi CLI with args; resolves {code, stdout, stderr}. Never rejects
 * on a non-zero exit (callers assert on code), only on a time-out. */
export function runCli(args, { env = {}, timeout = CLI_TIMEOUT_MS } = {}) {
  return new Promise((ok, fail) => {
    execFile(BIN, args, { env: { ...process.env, ...SAN_ENV, ...env }, timeout, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err && err.killed) {
          fail(new Error(`guanxi ${args.join(' ')} did not finish within ${timeout} ms\n${stderr}`));
          return;
        }
        if (err && typeof err.code !== 'number') {
          fail(new Error(`cannot run ${BIN} ${args.join(' ')}: ${err.message}`));
          return;
        }
        ok({ code: err ? err.code : 0, stdout: String(stdout), stderr: String(stderr) });
      });
  });
}

/** The PostgreSQL database the tests use, or '' for SQLite files. */
export const PG_URL = process.env.GX_TEST_PG_URL || '';
/** True when the API tests run on PostgreSQL (GX_TEST_PG_URL is set). */
export const ON_PG = PG_URL !== '';

/** The schema named by a --db URL of the PostgreSQL mode. */
const pgSchema = (url) => decodeURIComponent(/[?&]options=-csearch_path%3D([^&]+)/.exec(url)?.[1] || '');

/** Runs a tool; resolves its stdout, rejects with its stderr. */
function tool(cmd, args, what, timeout) {
  return new Promise((ok, fail) => {
    execFile(cmd, args, { timeout, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) fail(new Error(`${what} failed: ${stderr || err.message}`));
        else ok(String(stdout));
      });
  });
}

/** Runs the sqlite3 CLI on a database file; resolves its stdout. With a
 * postgres:// URL (PostgreSQL mode), runs the SQL with psql instead (rows
 * as `a|b`, like sqlite3), and `.dump` with pg_dump of the URL's schema. */
export function sqlite(db, sql, { timeout = 20_000 } = {}) {
  if (/^postgres(ql)?:\/\//.test(db)) {
    if (sql.trim() === '.dump') {
      return tool('pg_dump', ['--no-owner', '--schema', pgSchema(db), '-d', db], `pg_dump of schema ${pgSchema(db)}`, timeout);
    }
    return tool('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql], `psql "${sql}"`, timeout);
  }
  return tool('sqlite3', ['-cmd', '.timeout 5000', db, sql], `sqlite3 ${db} "${sql}"`, timeout);
}

/**
 * One HTTP request with fetch. opts:
 *   body      object → JSON with Content-Type application/json
 *   raw       string | Buffer sent as is (with contentType, if given)
 *   token     "Authorization: Bearer <token>"
 *   apiKey    "X-API-Key: <key>"
 *   cookie    session token sent as the gx_session cookie
 *   csrf      X-CSRF-Token header
 *   ifMatch   If-Match header
 *   headers   more headers
 * Resolves {status, headers, text, json, contentType}; json is the parsed body
 * when it is JSON, else undefined.
 */
export async function request(base, method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
  } else if (opts.raw !== undefined) {
    body = opts.raw;
  }
  if (opts.contentType !== undefined) headers['Content-Type'] = opts.contentType;
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.apiKey) headers['X-API-Key'] = opts.apiKey;
  if (opts.cookie) headers.Cookie = `gx_session=${opts.cookie}`;
  if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf;
  if (opts.ifMatch !== undefined) headers['If-Match'] = opts.ifMatch;
  // A timer of our own, cleared at the end: AbortSignal.timeout() timers keep
  // the test process alive until they fire.
  const ctl = new AbortController();
  const ms = opts.timeout || FETCH_TIMEOUT_MS;
  const timer = setTimeout(() => ctl.abort(new Error(`${method} ${path}: no answer within ${ms} ms`)), ms);
  let res, text;
  try {
    res = await fetch(base + path, { method, headers, body, redirect: 'manual', signal: ctl.signal });
    text = await res.text();
  } finally {
    clearTimeout(timer);
  }
  const contentType = res.headers.get('content-type') || '';
  let json;
  if (/json/.test(contentType) && text.length) {
    try { json = JSON.parse(text); } catch { json = undefined; }
  }
  return { status: res.status, headers: res.headers, text, json, contentType };
}

/**
 * A request through node:http, which sends the path byte for byte (fetch
 * normalises "/../" and "%2e%2e") and streams a body given as an array of
 * chunks with Transfer-Encoding: chunked. Resolves {status, headers, text,
 * json, contentType}; a connection the server closes after answering is fine.
 */
export function rawRequest(port, { method = 'GET', path = '/', headers = {}, body, chunks, timeout = FETCH_TIMEOUT_MS } = {}) {
  return new Promise((ok, fail) => {
    let done = false;
    const finish = (f, v) => { if (!done) { done = true; clearTimeout(timer); f(v); } };
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { Connection: 'close', ...headers }, agent: false });
    const timer = setTimeout(() => { req.destroy(); finish(fail, new Error(`${method} ${path}: no answer within ${timeout} ms`)); }, timeout);
    req.on('response', (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      const end = () => {
        const text = Buffer.concat(parts).toString('utf8');
        const contentType = res.headers['content-type'] || '';
        let json;
        if (/json/.test(contentType) && text.length) {
          try { json = JSON.parse(text); } catch { json = undefined; }
        }
        finish(ok, { status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), text, json, contentType });
      };
      res.on('end', end);
      res.on('error', end);
      res.on('aborted', end);
    });
    // The server may answer (413) and close before the whole body is sent: an
    // error after the answer started is expected; before it, it is a failure.
    req.on('error', (e) => setTimeout(() => finish(fail, new Error(`${method} ${path}: ${e.message}`)), 500));
    if (chunks) {
      (async () => {
        for (const c of chunks) {
          if (done || req.destroyed) return;
          if (!req.write(c)) await new Promise((r) => { req.once('drain', r); req.once('close', r); });
        }
        req.end();
      })().catch(() => {});
    } else {
      req.end(body);
    }
  });
}

/** Asserts a problem+json answer with the given status; returns the problem. */
/** RFC 4180 CSV text -> rows of cells (quotes, doubled quotes, CRLF, newlines in cells). */
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') q = false; else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

export function assertProblem(res, status, what = '') {
  const ctx = `${what ? what + ': ' : ''}answer ${res.status} ${res.text.slice(0, 300)}`;
  if (status !== undefined) assert.equal(res.status, status, ctx);
  assert.ok(res.status >= 400 && res.status < 600, ctx);
  assert.match(res.contentType, /^application\/problem\+json/, `${ctx}: content type ${res.contentType}`);
  const p = res.json;
  assert.ok(p && typeof p === 'object', `${ctx}: body is not a JSON object`);
  assert.equal(typeof p.type, 'string', `${ctx}: problem has no type`);
  assert.equal(typeof p.title, 'string', `${ctx}: problem has no title`);
  assert.equal(p.status, res.status, `${ctx}: problem status differs from the HTTP status`);
  if (p.errors !== undefined) {
    assert.ok(Array.isArray(p.errors), `${ctx}: errors is not an array`);
    for (const e of p.errors) {
      assert.equal(typeof e.code, 'string', `${ctx}: an error has no code`);
      assert.equal(typeof e.message, 'string', `${ctx}: an error has no message`);
    }
  }
  return p;
}

/** Asserts some 4xx problem+json answer (any status 400–499). */
export function assertClientProblem(res, what = '') {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: expected a 4xx, got ${res.status} ${res.text.slice(0, 300)}`);
  return assertProblem(res, undefined, what);
}

/** The error entries of a problem naming field (optionally with code). */
export function errorsFor(problem, field, code) {
  return (problem.errors || []).filter((e) => e.field === field && (code === undefined || e.code === code));
}

export class Guanxi {
  /**
   * opts:
   *   tenant, tenantName   the first tenant (init)
   *   tenants              [{slug, name}] added with `guanxi tenant add`
   *   users                [{name, role, password?, tenant?}] added with `guanxi user add`
   *   flags                extra flags for `serve` (e.g. ['--session-ttl', '60'])
   *   allow5xx             do not fail the file when the server answered a 5xx
   *   pgUrl                PostgreSQL mode: this database instead of GX_TEST_PG_URL
   *   replica              PostgreSQL mode: a streaming replica of it, given to
   *                        serve as --db-replica (with the same schema)
   */
  constructor(opts = {}) {
    this.opts = opts;
    this.dir = null;
    this.db = null;
    this.schema = null;   // PostgreSQL mode: the schema holding this instance's data
    this.pgBase = null;   // PostgreSQL mode: the database URL without the schema
    this.proc = null;
    this.port = 0;
    this.base = '';
    this.stderr = '';     // of the current server process
    this.logs = '';       // stderr of every process this instance started
    this.problems = [];   // failures found while stopping
  }

  /** Creates the temp dir and database, adds tenants and users, starts serve. */
  async setup() {
    const t0 = Date.now();
    try {
      await this.setupSteps();
    } finally {
      if (process.env.GX_TIMING) console.log(`# setup ${Date.now() - t0} ms`);
    }
  }

  async setupSteps() {
    this.dir = mkdtempSync(join(tmpdir(), 'gx-api-'));
    this.db = join(this.dir, 'guanxi.db');
    if (ON_PG) {
      // a schema of its own in the test database: lower case, unquoted
      this.schema = `gxapi_${process.pid}_${randomBytes(4).toString('hex')}`;
      this.pgBase = this.opts.pgUrl || PG_URL;
      this.db = this.schemaUrl(this.pgBase);
    }
    const o = this.opts;
    await this.cliOk(['init', '--db', this.db, '--admin-password', ADMIN_PASSWORD,
      '--tenant', o.tenant || 'acme', '--tenant-name', o.tenantName || 'Acme 公司']);
    for (const t of o.tenants || []) {
      await this.cliOk(['tenant', 'add', t.slug, '--name', t.name || t.slug, '--db', this.db]);
    }
    for (const u of o.users || []) {
      await this.cliOk(['user', 'add', u.name, '--role', u.role, '--password', u.password || USER_PASSWORD,
        '--tenant', u.tenant || o.tenant || 'acme', '--db', this.db]);
    }
    await this.start(o.flags || []);
  }

  /** PostgreSQL mode: url with this instance's schema as the search path. */
  schemaUrl(url) {
    return `${url}${url.includes('?') ? '&' : '?'}options=-csearch_path%3D${this.schema}`;
  }

  /** Runs the CLI; asserts exit 0 and no sanitizer report; returns stdout. */
  async cliOk(args) {
    const r = await this.cli(args);
    assert.equal(r.code, 0, `guanxi ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
    return r.stdout;
  }

  /** Runs the CLI; asserts no sanitizer report; returns {code, stdout, stderr}. */
  async cli(args) {
    const r = await runCli(args);
    this.logs += r.stderr;
    assertNoSanitizerReport(r.stderr, `guanxi ${args[0]}`);
    return r;
  }

  /** Starts `guanxi serve` on a free port and waits until /healthz answers. */
  async start(flags = this.opts.flags || []) {
    assert.ok(!this.proc, 'the server is running already');
    assert.ok(existsSync(BIN), `no guanxi binary at ${BIN} (build it, or set GX_BIN)`);
    const replica = this.opts.replica ? ['--db-replica', this.schemaUrl(this.opts.replica)] : [];
    const p = spawn(BIN, ['serve', '--db', this.db, ...replica, '--listen', '127.0.0.1:0', ...flags], {
      cwd: this.dir, env: { ...process.env, ...SAN_ENV }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = p;
    this.stderr = '';
    running.add(p);
    p.exited = new Promise((r) => p.once('exit', (code, signal) => { running.delete(p); r({ code, signal }); }));
    p.stdout.on('data', () => {});
    p.stderr.on('data', (d) => { this.stderr += d; this.logs += d; });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const m = /listening on .*\(port (\d+)/.exec(this.stderr);
      if (m) { this.port = Number(m[1]); break; }
      if (p.exitCode !== null || p.signalCode) assert.fail(`guanxi serve exited at start-up:\n${this.stderr}`);
      if (Date.now() > deadline) {
        await this.kill();
        assert.fail(`guanxi serve printed no port within ${START_TIMEOUT_MS} ms:\n${this.stderr}`);
      }
      await sleep(20);
    }
    this.base = `http://127.0.0.1:${this.port}`;
    for (;;) {
      try {
        const r = await request(this.base, 'GET', '/healthz', { timeout: 2000 });
        if (r.status === 200) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) {
        await this.kill();
        assert.fail(`/healthz did not answer 200 within ${START_TIMEOUT_MS} ms:\n${this.stderr}`);
      }
      await sleep(50);
    }
  }

  async kill() {
    const p = this.proc;
    if (!p) return;
    if (p.exitCode === null && !p.signalCode) p.kill('SIGKILL');
    await p.exited;
    this.proc = null;
    this.port = 0;
  }

  /**
   * Stops the server: SIGTERM, SIGKILL when it has not exited within the bound.
   * Fails when it had to be killed, exited non-zero, printed a sanitizer report
   * or (unless allow5xx) answered any request with a 5xx.
   */
  async stopServer() {
    const p = this.proc;
    if (!p) return;
    const stderrAt = () => this.stderr;
    if (p.exitCode === null && !p.signalCode) p.kill('SIGTERM');
    let timer;
    const res = await Promise.race([p.exited, new Promise((r) => { timer = setTimeout(() => r(null), STOP_TIMEOUT_MS); })]);
    clearTimeout(timer);
    const problems = [];
    if (!res) {
      p.kill('SIGKILL');
      await p.exited;
      problems.push(`the server did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM (killed)`);
    } else if (res.code !== 0) {
      problems.push(`the server exited with ${res.code ?? res.signal} after SIGTERM`);
    }
    this.proc = null;
    this.port = 0;
    const err = stderrAt();
    const san = SANITIZER_RE.exec(err);
    if (san) {
      const from = Math.max(0, san.index - 200);
      problems.push(`sanitizer report in the server's stderr:\n${err.slice(from, from + 6000)}`);
    }
    if (!this.opts.allow5xx) {
      const fives = err.split('\n').filter((l) => / INFO [A-Z]+ \S* 5\d\d \d+B /.test(l) || / ERROR /.test(l));
      if (fives.length) problems.push(`the server answered 5xx or logged errors:\n${fives.slice(0, 20).join('\n')}`);
    }
    if (problems.length) {
      this.problems.push(...problems);
      assert.fail(problems.join('\n\n'));
    }
  }

  /** Stops the server and removes the temp dir (kept when GX_KEEP is set or something failed). */
  async stop() {
    const t0 = Date.now();
    try {
      await this.stopServer();
    } finally {
      if (process.env.GX_TIMING) console.log(`# stop ${Date.now() - t0} ms`);
      if (this.dir && !process.env.GX_KEEP && !this.problems.length) {
        rmSync(this.dir, { recursive: true, force: true });
        if (this.schema) await sqlite(this.pgBase, `DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).catch(() => {});
      } else if (this.dir) {
        console.log(`# kept ${this.dir}${this.schema ? ` and schema ${this.schema}` : ''}`);
      }
    }
  }

  // ---- HTTP -------------------------------------------------------------------------

  req(method, path, opts) { return request(this.base, method, path, opts); }
  get(path, opts) { return this.req('GET', path, opts); }
  post(path, body, opts = {}) { return this.req('POST', path, { ...opts, body }); }
  patch(path, body, opts = {}) { return this.req('PATCH', path, { ...opts, body }); }
  del(path, opts) { return this.req('DELETE', path, opts); }
  raw(opts) { return rawRequest(this.port, opts); }

  /** POST /auth/login; resolves the raw answer. */
  loginRaw(username, password, tenant) {
    const body = { username, password };
    if (tenant !== undefined) body.tenant = tenant;
    return this.post('/api/v1/auth/login', body);
  }

  /** Logs in (asserting 200); resolves {token, csrf, user, expiresAt, cookie, res}. */
  async login(username = 'admin', password, tenant) {
    const pw = password ?? (username === 'admin' ? ADMIN_PASSWORD : USER_PASSWORD);
    const res = await this.loginRaw(username, pw, tenant);
    assert.equal(res.status, 200, `login ${username}: ${res.status} ${res.text}`);
    const b = res.json;
    return { token: b.token, csrf: b.csrf_token, user: b.user, expiresAt: b.expires_at, setCookie: res.headers.get('set-cookie'), res };
  }

  /** GET and assert 200; resolves the JSON body. */
  async getOk(path, opts) {
    const r = await this.get(path, opts);
    assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text.slice(0, 500)}`);
    return r.json;
  }

  /** POST a create and assert 201; resolves the record. */
  async create(resource, body, opts) {
    const r = await this.post(`/api/v1/${resource}`, body, opts);
    assert.equal(r.status, 201, `POST /api/v1/${resource} ${JSON.stringify(body)}: ${r.status} ${r.text.slice(0, 500)}`);
    return r.json;
  }

  /** Walks every page of a list; resolves all items. */
  async listAll(resource, query, opts, { limit = 200, maxPages = 1000 } = {}) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < maxPages; page++) {
      const qs = new URLSearchParams(query || '');
      qs.set('limit', String(limit));
      if (cursor) qs.set('cursor', cursor);
      const body = await this.getOk(`/api/v1/${resource}?${qs}`, opts);
      items.push(...body.items);
      if (!body.next_cursor) return items;
      cursor = body.next_cursor;
    }
    assert.fail(`listing ${resource} did not end within ${maxPages} pages`);
  }

  /** The number of live (or, with deleted, soft-deleted) records of resource. */
  async count(resource, opts, deleted = false) {
    const b = await this.getOk(`/api/v1/${resource}?count=true&limit=1${deleted ? '&deleted=true' : ''}`, opts);
    assert.equal(typeof b.total, 'number', `count of ${resource}: no total`);
    return b.total;
  }

  /** The newest audit entry's id (0 when none): a write-detector. */
  async lastAuditId(opts) {
    const b = await this.getOk('/api/v1/audit?limit=1', opts);
    return b.items.length ? b.items[0].id : 0;
  }

  /** Asserts /healthz answers 200 {"status":"ok"}. */
  async assertHealthy(what = '') {
    const r = await this.get('/healthz');
    assert.equal(r.status, 200, `${what}: /healthz answered ${r.status} ${r.text}`);
    assert.equal(r.json?.status, 'ok', `${what}: /healthz said ${r.text}`);
  }
}
