// tenants.test.mjs — two tenants on one server: nothing of tenant A is
// visible or writable from tenant B (records, lists, search, history, trash,
// audit, API keys, references, the tenant settings).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Guanxi, ADMIN_PASSWORD, USER_PASSWORD, assertProblem, errorsFor, runCli, assertNoSanitizerReport, sqlite } from './harness.mjs';

const gx = new Guanxi({
  tenant: 'alpha', tenantName: 'Alpha 甲公司',
  tenants: [{ slug: 'beta', name: 'Beta 乙公司' }],
  users: [
    { name: 'admin', role: 'admin', tenant: 'beta' }, // the same user name as alpha's admin
    { name: 'bob', role: 'sales', tenant: 'beta' },
  ],
});

let A, B;       // admin sessions of alpha and beta
const a = {};   // alpha's fixtures
let snapA;      // alpha's data before beta tries anything

async function snapshot(auth) {
  return {
    teams: (await gx.listAll('teams', '', auth)).map((x) => [x.id, x.name, x.version, x.description]),
    deleted: (await gx.listAll('teams', 'deleted=true', auth)).map((x) => [x.id, x.version]),
    users: (await gx.listAll('users', '', auth)).map((x) => [x.id, x.username, x.role, x.version, x.disabled_at]),
    audit: await gx.lastAuditId(auth),
    tenant: await gx.getOk('/api/v1/tenant', auth),
    keys: (await gx.getOk('/api/v1/api-keys', auth)).items.map((x) => [x.id, x.revoked_at]),
  };
}

before(async () => {
  await gx.setup();
  A = await gx.login('admin', ADMIN_PASSWORD, 'alpha');
  B = await gx.login('admin', USER_PASSWORD, 'beta');
  const auth = { token: A.token };
  a.team = await gx.create('teams', { name: 'Alpha sales', description: 'alpha-secret-description' }, auth);
  const p = await gx.patch(`/api/v1/teams/${a.team.id}`, { description: 'alpha-secret-2' }, { ...auth, ifMatch: '"1"' });
  assert.equal(p.status, 200, p.text);
  a.team = p.json;
  a.gone = await gx.create('teams', { name: 'Alpha gone' }, auth);
  assert.equal((await gx.del(`/api/v1/teams/${a.gone.id}`, auth)).status, 204);
  a.user = await gx.create('users', { username: 'alice', display_name: 'Alice Alpha', email: 'alice@alpha.example', role: 'sales', password: 'Alice-pass-123' }, auth);
  a.gonesUser = await gx.create('users', { username: 'albert', display_name: 'Albert Alpha', role: 'sales', password: 'Albert-pass-123' }, auth);
  assert.equal((await gx.del(`/api/v1/users/${a.gonesUser.id}`, auth)).status, 204);
  const k = await gx.post('/api/v1/api-keys', { name: 'alpha key' }, auth);
  assert.equal(k.status, 201, k.text);
  a.key = k.json;
  snapA = await snapshot(auth);
});
after(() => gx.stop());

test('each admin logs in to their own tenant', async () => {
  const ma = await gx.getOk('/api/v1/auth/me', { token: A.token });
  const mb = await gx.getOk('/api/v1/auth/me', { token: B.token });
  assert.equal(ma.tenant.slug, 'alpha');
  assert.equal(mb.tenant.slug, 'beta');
  assert.notEqual(ma.user.id, mb.user.id);
  // the password of one tenant's admin does not open the other's
  assertProblem(await gx.loginRaw('admin', ADMIN_PASSWORD, 'beta'), 401, 'alpha password on beta');
  assertProblem(await gx.loginRaw('alice', 'Alice-pass-123', 'beta'), 401, 'alpha user on beta');
  // a user name unique across tenants logs in without naming the tenant
  const bob = await gx.login('bob');
  const mbob = await gx.getOk('/api/v1/auth/me', { token: bob.token });
  assert.equal(mbob.tenant.slug, 'beta');
});

test('a record of A is 404 from B: get, patch, delete, restore, history', async () => {
  const b = { token: B.token };
  const cases = [
    ['GET', `/api/v1/teams/${a.team.id}`],
    ['PATCH', `/api/v1/teams/${a.team.id}`, { name: 'Taken over' }, `"${a.team.version}"`],
    ['DELETE', `/api/v1/teams/${a.team.id}`],
    ['DELETE', `/api/v1/teams/${a.team.id}`, undefined, `"${a.team.version}"`],
    ['POST', `/api/v1/teams/${a.team.id}/restore`],
    ['POST', `/api/v1/teams/${a.gone.id}/restore`],
    ['GET', `/api/v1/teams/${a.gone.id}`],
    ['GET', `/api/v1/teams/${a.team.id}/history`],
    ['GET', `/api/v1/teams/${a.gone.id}/history`],
    ['GET', `/api/v1/users/${a.user.id}`],
    ['GET', `/api/v1/users/${A.user.id}`],
    ['PATCH', `/api/v1/users/${a.user.id}`, { role: 'readonly' }, '"1"'],
    ['PATCH', `/api/v1/users/${A.user.id}`, { password: 'Taken-over-pass-1' }, '"1"'],
    ['PATCH', `/api/v1/users/${a.user.id}`, { disabled: true }, '"1"'],
    ['DELETE', `/api/v1/users/${a.user.id}`],
    ['POST', `/api/v1/users/${a.gonesUser.id}/restore`],
    ['GET', `/api/v1/users/${a.user.id}/history`],
    ['DELETE', `/api/v1/api-keys/${a.key.id}`],
  ];
  for (const [method, path, body, ifMatch] of cases) {
    const r = await gx.req(method, path, { ...b, body, ifMatch });
    assertProblem(r, 404, `B ${method} ${path}`);
  }
  assert.deepEqual(await snapshot({ token: A.token }), snapA, 'a request of B changed A\'s data');
  // A's API key still works, in A only
  const m = await gx.getOk('/api/v1/auth/me', { apiKey: a.key.key });
  assert.equal(m.tenant.slug, 'alpha');
});

test('lists, search, filters, trash and counts of B hold nothing of A', async () => {
  const b = { token: B.token };
  const idsA = new Set([a.team.id, a.gone.id, a.user.id, a.gonesUser.id, A.user.id]);
  const queries = [
    ['teams', ''], ['teams', 'deleted=true'], ['teams', `filter[id]=${a.team.id}`],
    ['teams', `filter[id][in]=${a.team.id},${a.gone.id}`], ['teams', 'q=Alpha'], ['teams', 'q=alpha-secret'],
    ['teams', 'filter[name]=Alpha sales'], ['teams', `filter[id][gte]=1`], ['teams', 'sort=-id'],
    ['users', ''], ['users', 'deleted=true'], ['users', 'q=alice'], ['users', 'q=alpha.example'],
    ['users', 'filter[username]=alice'], ['users', `filter[id]=${a.user.id}`], ['users', 'filter[role]=sales'],
    ['users', 'filter[email]=alice@alpha.example'], ['users', 'sort=-created_at'],
  ];
  for (const [res, q] of queries) {
    const items = await gx.listAll(res, q, b);
    for (const it of items) assert.ok(!idsA.has(it.id), `B lists A's ${res} ${it.id} with ${q}`);
    assert.ok(!JSON.stringify(items).includes('alpha-secret') && !JSON.stringify(items).includes('alice'), `B sees A's data with ${res}?${q}`);
  }
  assert.equal((await gx.getOk('/api/v1/teams?count=true&q=Alpha', b)).total, 0);
  assert.equal((await gx.getOk('/api/v1/teams?count=true&deleted=true', b)).total, 0);
  const nb = (await gx.getOk('/api/v1/users?count=true', b)).total;
  assert.equal(nb, 2, 'B counts users that are not its own');
  // A's cursor gives B nothing of A either
  const pageA = await gx.getOk('/api/v1/teams?limit=1&sort=id', { token: A.token });
  if (pageA.next_cursor) {
    const r = await gx.get(`/api/v1/teams?limit=1&sort=id&cursor=${pageA.next_cursor}`, b);
    if (r.status === 200) for (const it of r.json.items) assert.ok(!idsA.has(it.id));
  }
});

test('the audit log of B holds nothing of A', async () => {
  const b = { token: B.token };
  for (const q of [`?entity=teams&id=${a.team.id}`, `?id=${a.user.id}`, `?entity=users&id=${A.user.id}`, `?id=${a.key.id}`, '?entity=teams', '?limit=200']) {
    const r = await gx.getOk('/api/v1/audit' + q, b);
    for (const e of r.items) {
      assert.ok(![a.team.id, a.gone.id, a.user.id, a.key.id].includes(e.entity_id), `B's audit shows A's ${e.entity} ${e.entity_id} (${q})`);
      assert.notEqual(e.actor_id, A.user.id, `B's audit shows A's admin acting (${q})`);
    }
    assert.ok(!JSON.stringify(r).includes('alpha-secret') && !JSON.stringify(r).includes('alice'), `B's audit shows A's data (${q})`);
  }
  // and A's audit shows what B tried? No: B's failed attempts are not A's business, but A's
  // own record of the team is complete
  const mine = await gx.getOk(`/api/v1/audit?entity=teams&id=${a.team.id}`, { token: A.token });
  assert.deepEqual(mine.items.map((e) => e.action).sort(), ['create', 'update']);
});

test('B cannot reach A through references, API keys or forged tokens', async () => {
  const b = { token: B.token };
  // references to A's records are unknown in B
  const r1 = await gx.post('/api/v1/teams', { name: 'B child', parent_id: a.team.id }, b);
  assertProblem(r1, 422, 'team with A\'s parent');
  assert.equal(errorsFor(r1.json, 'parent_id').length, 1, r1.text);
  assertProblem(await gx.post('/api/v1/teams', { name: 'B managed', manager_id: a.user.id }, b), 422, 'team with A\'s manager');
  assertProblem(await gx.post('/api/v1/users', { username: 'bea', display_name: 'Bea', role: 'sales', password: 'Bea-pass-1234', team_id: a.team.id }, b), 422, 'user in A\'s team');
  assertProblem(await gx.post('/api/v1/api-keys', { name: 'steal', user_id: A.user.id }, b), 422, 'key for A\'s admin');
  assert.ok(!(await gx.getOk('/api/v1/api-keys', b)).items.some((k) => k.id === a.key.id), 'B lists A\'s API key');
  // a name taken in A is free in B (uniqueness is per tenant, and says nothing about A)
  const same = await gx.create('teams', { name: 'Alpha sales' }, b);
  assert.notEqual(same.id, a.team.id);
  // tokens: B's secret under A's tenant id, and A's key with B's tenant id
  const [tidB, secretB] = B.token.split('.');
  const [tidA] = A.token.split('.');
  assert.notEqual(tidA, tidB, 'both tenants have the same token prefix');
  assertProblem(await gx.get('/api/v1/auth/me', { token: `${tidA}.${secretB}` }), 401, 'B\'s secret with A\'s tenant id');
  const m = /^gxk_(\d+)_(.+)$/.exec(a.key.key);
  assert.ok(m, `unexpected key form ${a.key.key}`);
  assertProblem(await gx.get('/api/v1/auth/me', { apiKey: `gxk_${tidB}_${m[2]}` }), 401, 'A\'s key secret with B\'s tenant id');
  assert.deepEqual(await snapshot({ token: A.token }), snapA, 'B changed A\'s data');
});

test('each tenant reads and changes only its own settings', async () => {
  const tb = await gx.getOk('/api/v1/tenant', { token: B.token });
  assert.equal(tb.slug, 'beta');
  const r = await gx.patch('/api/v1/tenant', { name: 'Beta 新名字', time_zone: 'Asia/Taipei', currency: 'TWD' }, { token: B.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.slug, 'beta');
  assertProblem(await gx.patch('/api/v1/tenant', { slug: 'alpha' }, { token: B.token }), 422, 'B renames its slug to A\'s');
  assertProblem(await gx.patch('/api/v1/tenant', { id: snapA.tenant.id }, { token: B.token }), 422, 'B sets its tenant id');
  const ta = await gx.getOk('/api/v1/tenant', { token: A.token });
  assert.deepEqual(ta, snapA.tenant, 'B\'s settings change touched A');
  assert.equal(ta.name, 'Alpha 甲公司');
});

test('init and tenant add take the language, time zone and currency, and refuse values the API refuses', async () => {
  // a SQLite file of its own on either backend: this is about the CLI's arguments
  const dir = mkdtempSync(join(tmpdir(), 'gx-init-'));
  try {
    const cli = async (args) => {
      const r = await runCli(args);
      assertNoSanitizerReport(r.stderr, `guanxi ${args[0]}`);
      return r;
    };
    const tenants = async (db) => sqlite(db, 'SELECT slug, name, locale, time_zone, currency FROM tenants ORDER BY slug');
    const admins = async (db) => sqlite(db, "SELECT display_name FROM users WHERE role = 'admin'");
    const cases = [
      ['zh-TW', 'Asia/Taipei', 'TWD', '我的公司', '系統管理員'],
      ['en', 'Europe/London', 'GBP', 'My company', 'Administrator'],
      [null, null, null, '我的公司', '系统管理员'],
    ];
    for (const [locale, tz, cur, company, admin] of cases) {
      const db = join(dir, `${locale || 'default'}.db`);
      const extra = locale ? ['--locale', locale, '--time-zone', tz, '--currency', cur] : [];
      const r = await cli(['init', '--db', db, '--admin-password', ADMIN_PASSWORD, ...extra]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await tenants(db)).trim(), `default|${company}|${locale || 'zh-CN'}|${tz || 'Asia/Shanghai'}|${cur || 'CNY'}`);
      assert.equal((await admins(db)).trim(), admin);
    }
    for (const bad of [['--locale', 'fr'], ['--time-zone', 'Mars; DROP TABLE tenants'], ['--currency', 'cny']]) {
      const db = join(dir, `bad${bad[0]}.db`);
      const r = await cli(['init', '--db', db, '--admin-password', ADMIN_PASSWORD, ...bad]);
      assert.notEqual(r.code, 0, `init ${bad.join(' ')} was accepted`);
      assert.match(r.stderr, /--locale zh-CN, zh-TW or en/);
      const made = await cli(['tenant', 'list', '--db', db]);
      assert.doesNotMatch(made.stdout, /default/, `init ${bad.join(' ')} left a tenant behind`);
      const db2 = join(dir, 'en.db');
      const t = await cli(['tenant', 'add', 'other', '--name', 'Other', ...bad, '--db', db2]);
      assert.notEqual(t.code, 0, `tenant add ${bad.join(' ')} was accepted`);
      assert.doesNotMatch(await tenants(db2), /other/, `tenant add ${bad.join(' ')} wrote a tenant`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
