// getpath.test.mjs — the single-record GET written straight from the row
// (entity/rowjson.c) and the batched request log: the same bytes as the
// generic JSON path, the same headers, and every request's log line out by
// the time the server has stopped on SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Guanxi, assertProblem, sqlite } from './harness.mjs';

const gx = new Guanxi({ users: [{ name: 'sam', role: 'sales' }] });
let A;
before(async () => {
  await gx.setup();
  A = await gx.login('admin');
});
after(() => gx.stop());

const USER_KEYS = ['id', 'username', 'display_name', 'email', 'phone', 'role', 'team_id', 'locale',
  'disabled_at', 'last_login_at', 'created_at', 'updated_at', 'created_by', 'updated_by', 'deleted_at', 'version'];

test('GET /users/{id}: field order and types, ETag and headers, the same record as the list', async () => {
  // text that needs escaping: quotes, backslash, a control character, CJK, an emoji
  const name = 'Wang "Fang" \\ 王芳\t😀';
  const made = await gx.post('/api/v1/users', { username: 'fang', display_name: name, role: 'sales',
    password: 'User-pass-2026!', email: 'fang@example.com' }, { token: A.token });
  assert.equal(made.status, 201, made.text);
  const r = await gx.get(`/api/v1/users/${made.json.id}`, { token: A.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), USER_KEYS);
  assert.equal(r.json.display_name, name);
  assert.equal(r.json.phone, null);
  assert.equal(typeof r.json.id, 'number');
  assert.equal(r.json.version, 1);
  assert.ok(!('password_hash' in r.json) && !r.text.includes('password'));
  assert.ok(r.text.includes('\\"Fang\\" \\\\ 王芳\\t😀'), r.text); // escaped as jansson escapes, UTF-8 as is
  assert.equal(r.headers.get('etag'), '"1"');
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text));
  // the compact form jansson writes for the same record (the create answer)
  assert.equal(r.text, JSON.stringify(made.json));
  // after an update: the new version in the body and the ETag
  const p = await gx.patch(`/api/v1/users/${made.json.id}`, { phone: '13800138000' }, { token: A.token, ifMatch: '"1"' });
  assert.equal(p.status, 200, p.text);
  const r2 = await gx.get(`/api/v1/users/${made.json.id}`, { token: A.token });
  assert.equal(r2.headers.get('etag'), '"2"');
  assert.equal(r2.text, JSON.stringify(p.json));
});

test('GET /users/{id}: missing, deleted, unauthenticated, another role', async () => {
  assertProblem(await gx.get('/api/v1/users/999999999', { token: A.token }), 404);
  assertProblem(await gx.get('/api/v1/users/abc', { token: A.token }), 404);
  assertProblem(await gx.get(`/api/v1/users/${A.user.id}`), 401);
  const made = await gx.post('/api/v1/users', { username: 'gone', display_name: 'Gone', role: 'sales',
    password: 'User-pass-2026!' }, { token: A.token });
  assert.equal(made.status, 201, made.text);
  const d = await gx.del(`/api/v1/users/${made.json.id}`, { token: A.token, ifMatch: '"1"' });
  assert.equal(d.status, 204, d.text);
  assertProblem(await gx.get(`/api/v1/users/${made.json.id}`, { token: A.token }), 404);
  const S = await gx.login('sam');
  const r = await gx.get(`/api/v1/users/${A.user.id}`, { token: S.token });
  assert.equal(r.status, 200, r.text); // sales may read users
  assert.deepEqual(Object.keys(r.json), USER_KEYS);
});

test('security headers: API answers get the set for data, pages the full set', async () => {
  const r = await gx.get(`/api/v1/users/${A.user.id}`, { token: A.token });
  assert.equal(r.status, 200, r.text);
  const missing = await gx.get('/api/v1/users/999999999', { token: A.token });
  assert.equal(missing.status, 404);
  for (const a of [r, missing]) {
    assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(a.headers.get('x-frame-options'), 'DENY');
    assert.equal(a.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(a.headers.get('cache-control'), 'no-store');
    // nothing may run, load or frame it
    assert.equal(a.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
  }
  const page = await gx.get('/');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.match(page.headers.get('permissions-policy') || '', /camera=\(\)/);
  assert.match(page.headers.get('content-security-policy') || '', /script-src 'self'.*frame-ancestors 'none'/);
});

test('a read sees what another process committed just before (no reader keeps a stale snapshot)', async () => {
  const made = await gx.post('/api/v1/users', { username: 'extwrite', display_name: 'v0', role: 'sales',
    password: 'User-pass-2026!' }, { token: A.token });
  assert.equal(made.status, 201, made.text);
  const url = `/api/v1/users/${made.json.id}`;
  // other requests keep the pool's readers busy, each keeping a fresh snapshot
  let stop = false;
  const load = (async () => { while (!stop) await gx.get(url, { token: A.token }); })();
  try {
    for (let v = 1; v <= 5; v++) {
      assert.equal((await gx.get(url, { token: A.token })).status, 200);
      await sqlite(gx.db, `UPDATE users SET display_name = 'v${v}' WHERE id = ${made.json.id}`);
      for (let i = 0; i < 3; i++) {
        const r = await gx.get(url, { token: A.token });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.display_name, `v${v}`, `read ${i} after the update to v${v}`);
      }
    }
  } finally {
    stop = true;
    await load;
  }
});

test('every request has its log line once the server stops on SIGTERM', async () => {
  const rids = [];
  for (let i = 0; i < 60; i++) {
    const r = await gx.get(`/api/v1/users/${A.user.id}`, { token: A.token });
    assert.equal(r.status, 200);
    rids.push([r.headers.get('x-request-id'), Buffer.byteLength(r.text)]);
  }
  const missing = await gx.get('/api/v1/users/999999999', { token: A.token });
  await gx.stopServer();
  const log = gx.stderr;
  for (const [rid, bytes] of rids) {
    const re = new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO GET /api/v1/users/${A.user.id} 200 ${bytes}B \\d+\\.0ms ip=127\\.0\\.0\\.1 user=${A.user.id} rid=${rid}$`, 'm');
    assert.match(log, re);
  }
  assert.match(log, new RegExp(` INFO GET /api/v1/users/999999999 404 \\d+B \\d+\\.0ms ip=127\\.0\\.0\\.1 user=${A.user.id} rid=${missing.headers.get('x-request-id')}$`, 'm'));
  assert.match(log, / INFO shutting down$/m);
  await gx.start();
});
