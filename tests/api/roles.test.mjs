// roles.test.mjs — the permission check on every route: each role against
// users/teams reads and writes, the admin-only routes (audit, API keys,
// tenant settings), readonly writes nothing, and every route that needs
// authentication answers 401 without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Guanxi, assertProblem } from './harness.mjs';

const ROLES = ['manager', 'sales', 'service', 'marketing', 'readonly'];
const NAMES = { manager: 'mia', sales: 'sam', service: 'sid', marketing: 'mark', readonly: 'rita' };

const gx = new Guanxi({ users: ROLES.map((role) => ({ name: NAMES[role], role })) });
const S = {};       // role -> session
let team, deletedTeam, apiKey;

before(async () => {
  await gx.setup();
  S.admin = await gx.login('admin');
  for (const role of ROLES) S[role] = await gx.login(NAMES[role]);
  const a = { token: S.admin.token };
  team = await gx.create('teams', { name: 'North', description: 'fixture' }, a);
  deletedTeam = await gx.create('teams', { name: 'Gone' }, a);
  assert.equal((await gx.del(`/api/v1/teams/${deletedTeam.id}`, a)).status, 204);
  const k = await gx.post('/api/v1/api-keys', { name: 'fixture' }, a);
  assert.equal(k.status, 201, k.text);
  apiKey = k.json;
});
after(() => gx.stop());

/** Every route that needs authentication, with a body that would be valid. */
function protectedRoutes() {
  const t = team.id, u = S.sales.user.id;
  return [
    ['GET', '/api/v1/auth/me'],
    ['POST', '/api/v1/auth/logout', {}],
    ['POST', '/api/v1/auth/password', { current_password: 'User-pass-2026!', new_password: 'Another-pass-1' }],
    ['GET', '/api/v1/api-keys'],
    ['POST', '/api/v1/api-keys', { name: 'k' }],
    ['DELETE', `/api/v1/api-keys/${apiKey.id}`],
    ['GET', '/api/v1/tenant'],
    ['PATCH', '/api/v1/tenant', { name: 'Hacked' }],
    ['GET', '/api/v1/audit'],
    ['GET', `/api/v1/audit?entity=teams&id=${t}`],
    ['GET', '/api/v1/users'],
    ['POST', '/api/v1/users', { username: 'intruder', display_name: 'I', role: 'admin', password: 'Intruder-pass-1' }],
    ['GET', `/api/v1/users/${u}`],
    ['PATCH', `/api/v1/users/${u}`, { role: 'admin', version: 1 }],
    ['DELETE', `/api/v1/users/${u}`],
    ['POST', `/api/v1/users/${u}/restore`],
    ['GET', `/api/v1/users/${u}/history`],
    ['GET', '/api/v1/teams'],
    ['POST', '/api/v1/teams', { name: 'Intruders' }],
    ['GET', `/api/v1/teams/${t}`],
    ['PATCH', `/api/v1/teams/${t}`, { name: 'Hacked', version: 1 }],
    ['DELETE', `/api/v1/teams/${t}`],
    ['POST', `/api/v1/teams/${deletedTeam.id}/restore`],
    ['GET', `/api/v1/teams/${t}/history`],
    // unknown ids: still 401 first, never a hint whether the record exists
    ['GET', '/api/v1/teams/123456'],
    ['DELETE', '/api/v1/users/123456'],
  ];
}

/** Everything a write could change, read as admin. */
async function snapshot() {
  const a = { token: S.admin.token };
  return {
    audit: await gx.lastAuditId(a),
    teams: (await gx.listAll('teams', '', a)).map((x) => [x.id, x.name, x.version]),
    deleted: (await gx.listAll('teams', 'deleted=true', a)).map((x) => [x.id, x.version]),
    users: (await gx.listAll('users', '', a)).map((x) => [x.id, x.role, x.version, x.disabled_at]),
    tenant: (await gx.getOk('/api/v1/tenant', a)).version,
    keys: (await gx.getOk('/api/v1/api-keys', a)).items.map((x) => [x.id, x.revoked_at]),
  };
}

const send = (method, path, body, auth) => gx.req(method, path, body === undefined ? { ...auth } : { ...auth, body });

test('every route that needs authentication answers 401 without it (and writes nothing)', async () => {
  const before = await snapshot();
  const bad = [
    ['no credentials', {}],
    ['a garbage bearer token', { token: 'garbage-token-garbage-token' }],
    ['a well-formed but unknown token', { token: `${S.admin.token.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` }],
    ['a garbage cookie', { cookie: 'garbage-cookie-garbage-cookie', csrf: S.admin.csrf }],
    ['a garbage API key', { apiKey: 'gxk_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['an empty bearer', { headers: { Authorization: 'Bearer ' } }],
    ['Basic credentials', { headers: { Authorization: 'Basic ' + Buffer.from('admin:Admin-pass-2026!').toString('base64') } }],
  ];
  for (const [method, path, body] of protectedRoutes()) {
    for (const [what, auth] of bad) {
      const r = await send(method, path, body, auth);
      assertProblem(r, 401, `${method} ${path} with ${what}`);
      if (what === 'no credentials') assert.match(r.headers.get('www-authenticate') || '', /Bearer/, `${method} ${path}: no WWW-Authenticate`);
    }
  }
  assert.deepEqual(await snapshot(), before, 'an unauthenticated request changed something');
  // the public routes answer without credentials
  for (const path of ['/healthz', '/metrics', '/']) assert.equal((await gx.get(path)).status, 200, path);
  assert.notEqual((await gx.post('/api/v1/auth/login', { username: 'x', password: 'y' })).status, 403);
});

/** The routes of users/teams and the admin area, and whether a non-admin may use them. */
function matrix() {
  const t = team.id, u = S.sales.user.id;
  const reads = [
    ['GET', '/api/v1/users'],
    ['GET', `/api/v1/users/${u}`],
    ['GET', `/api/v1/users/${u}/history`],
    ['GET', '/api/v1/users?deleted=true'],
    ['GET', '/api/v1/teams'],
    ['GET', `/api/v1/teams/${t}`],
    ['GET', `/api/v1/teams/${t}/history`],
    ['GET', '/api/v1/teams?deleted=true&count=true'],
    ['GET', '/api/v1/tenant'],
    ['GET', '/api/v1/auth/me'],
  ];
  const adminOnly = [
    ['POST', '/api/v1/teams', { name: 'Forbidden' }],
    ['PATCH', `/api/v1/teams/${t}`, { name: 'Forbidden', version: 1 }],
    ['DELETE', `/api/v1/teams/${t}`],
    ['POST', `/api/v1/teams/${deletedTeam.id}/restore`],
    ['POST', '/api/v1/users', { username: 'newbie', display_name: 'N', role: 'sales', password: 'Newbie-pass-1' }],
    ['PATCH', `/api/v1/users/${u}`, { display_name: 'Renamed', version: 1 }],
    ['DELETE', `/api/v1/users/${u}`],
    ['POST', `/api/v1/users/${u}/restore`],
    ['GET', '/api/v1/audit'],
    ['GET', `/api/v1/audit?entity=teams&id=${t}`],
    ['GET', '/api/v1/api-keys'],
    ['POST', '/api/v1/api-keys', { name: 'mine' }],
    ['DELETE', `/api/v1/api-keys/${apiKey.id}`],
    ['PATCH', '/api/v1/tenant', { name: 'Renamed company' }],
  ];
  return { reads, adminOnly };
}

for (const role of ROLES) {
  test(`${role}: reads users and teams; every write and the admin area answer 403 and change nothing`, async () => {
    const { reads, adminOnly } = matrix();
    const auth = { token: S[role].token };
    for (const [method, path] of reads) {
      const r = await send(method, path, undefined, auth);
      assert.equal(r.status, 200, `${role} ${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    const me = await gx.getOk('/api/v1/auth/me', auth);
    assert.equal(me.user.role, role);
    const before = await snapshot();
    for (const [method, path, body] of adminOnly) {
      assertProblem(await send(method, path, body, auth), 403, `${role} ${method} ${path}`);
    }
    // the same through the cookie with a valid CSRF header
    for (const [method, path, body] of adminOnly.slice(0, 3)) {
      assertProblem(await send(method, path, body, { cookie: S[role].token, csrf: S[role].csrf }), 403, `${role} (cookie) ${method} ${path}`);
    }
    // no one raises their own role
    const self = await gx.get(`/api/v1/users/${S[role].user.id}`, auth);
    assertProblem(await gx.patch(`/api/v1/users/${S[role].user.id}`, { role: 'admin' }, { ...auth, ifMatch: self.headers.get('etag') }), 403, `${role} makes themselves admin`);
    assert.deepEqual(await snapshot(), before, `a forbidden request of ${role} changed something`);
  });
}

test('readonly writes nothing anywhere: every unsafe route answers 403 (own logout and password aside)', async () => {
  const auth = { token: S.readonly.token };
  const before = await snapshot();
  const unsafe = protectedRoutes().filter(([m, p]) => m !== 'GET' && !p.startsWith('/api/v1/auth/'));
  assert.ok(unsafe.length >= 12, 'too few unsafe routes listed');
  for (const [method, path, body] of unsafe) assertProblem(await send(method, path, body, auth), 403, `readonly ${method} ${path}`);
  // an API key of a readonly user is readonly too
  const k = await gx.post('/api/v1/api-keys', { name: 'ro', user_id: S.readonly.user.id }, { token: S.admin.token });
  assert.equal(k.status, 201, k.text);
  const mid = await snapshot();
  for (const [method, path, body] of unsafe) assertProblem(await send(method, path, body, { apiKey: k.json.key }), 403, `readonly key ${method} ${path}`);
  assert.equal((await gx.get('/api/v1/teams', { apiKey: k.json.key })).status, 200);
  assert.deepEqual(await snapshot(), mid, 'a readonly request changed something');
  assert.deepEqual(mid.teams, before.teams);
  assert.deepEqual(mid.users, before.users);
});

test('admin may do everything the others may not', async () => {
  const a = { token: S.admin.token };
  const t = await gx.create('teams', { name: 'By admin' }, a);
  const p = await gx.patch(`/api/v1/teams/${t.id}`, { name: 'By admin 2' }, { ...a, ifMatch: '"1"' });
  assert.equal(p.status, 200, p.text);
  assert.equal((await gx.del(`/api/v1/teams/${t.id}`, a)).status, 204);
  const rs = await gx.post(`/api/v1/teams/${t.id}/restore`, undefined, a);
  assert.equal(rs.status, 200, rs.text);
  const u = await gx.create('users', { username: 'newbie', display_name: 'Newbie', role: 'sales', password: 'Newbie-pass-1' }, a);
  const pu = await gx.patch(`/api/v1/users/${u.id}`, { display_name: 'Newbie 2' }, { ...a, ifMatch: '"1"' });
  assert.equal(pu.status, 200, pu.text);
  assert.equal((await gx.get('/api/v1/audit', a)).status, 200);
  assert.equal((await gx.get('/api/v1/api-keys', a)).status, 200);
  const k = await gx.post('/api/v1/api-keys', { name: 'temp' }, a);
  assert.equal(k.status, 201, k.text);
  assert.equal((await gx.del(`/api/v1/api-keys/${k.json.id}`, a)).status, 204);
  const tn = await gx.patch('/api/v1/tenant', { name: 'Acme 有限公司' }, a);
  assert.equal(tn.status, 200, tn.text);
  assert.equal(tn.json.name, 'Acme 有限公司');
});

test('a role change takes effect on the next request of an existing session', async () => {
  const a = { token: S.admin.token };
  const mark = { token: S.marketing.token };
  assertProblem(await gx.get('/api/v1/audit', mark), 403, 'marketing reads the audit');
  let u = await gx.get(`/api/v1/users/${S.marketing.user.id}`, a);
  const up = await gx.patch(`/api/v1/users/${S.marketing.user.id}`, { role: 'admin' }, { ...a, ifMatch: u.headers.get('etag') });
  assert.equal(up.status, 200, up.text);
  assert.equal((await gx.get('/api/v1/audit', mark)).status, 200, 'promoted to admin, still refused');
  const down = await gx.patch(`/api/v1/users/${S.marketing.user.id}`, { role: 'readonly' }, { ...a, ifMatch: up.headers.get('etag') });
  assert.equal(down.status, 200, down.text);
  assertProblem(await gx.get('/api/v1/audit', mark), 403, 'demoted, still allowed the audit');
  assertProblem(await gx.post('/api/v1/teams', { name: 'After demotion' }, mark), 403, 'demoted, still writes');
  u = await gx.getOk('/api/v1/auth/me', mark);
  assert.equal(u.user.role, 'readonly');
});
