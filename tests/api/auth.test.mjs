// auth.test.mjs — login, session cookie and bearer token, logout, session
// expiry, CSRF, login throttling, API keys, disabled users, own password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { Guanxi, ADMIN_PASSWORD, USER_PASSWORD, assertProblem, errorsFor, sleep, sqlite } from './harness.mjs';

const TTL = 60; // the smallest --session-ttl the server accepts
const MAX_FAILURES = 3;

const gx = new Guanxi({
  flags: ['--session-ttl', String(TTL), '--login-max-failures', String(MAX_FAILURES)],
  users: [
    { name: 'sam', role: 'sales' },      // bearer, cookie, logout
    { name: 'dora', role: 'sales' },     // disabled
    { name: 'pat', role: 'service' },    // changes her password
    { name: 'tess', role: 'marketing' }, // throttled
    { name: 'eve', role: 'readonly' },   // her session expires
  ],
});

let admin;    // admin session (bearer)
let expiring; // eve's session, logged in first, checked last
const secrets = []; // tokens and keys that must never be stored or logged in clear

before(async () => {
  await gx.setup();
  expiring = await gx.login('eve');
  admin = await gx.login('admin');
  secrets.push(expiring.token, admin.token);
});
after(() => gx.stop());

const me = (opts) => gx.get('/api/v1/auth/me', opts);
// the parts of a problem that must not tell one login failure from another
const shape = (r) => ({ status: r.status, type: r.json?.type, title: r.json?.title, detail: r.json?.detail, errors: r.json?.errors });

test('login answers a token, a CSRF token and a session cookie (HttpOnly, SameSite=Lax)', async () => {
  const t0 = Date.now();
  const s = await gx.login('sam');
  secrets.push(s.token);
  assert.equal(typeof s.token, 'string');
  assert.ok(s.token.length >= 20, 'token too short');
  assert.equal(typeof s.csrf, 'string');
  assert.ok(s.csrf.length >= 16, 'CSRF token too short');
  assert.notEqual(s.csrf, s.token);
  assert.equal(s.user.username, 'sam');
  assert.equal(s.user.role, 'sales');
  assert.ok(!('password_hash' in s.user) && !('password' in s.user), `user carries a password: ${JSON.stringify(s.user)}`);
  assert.match(s.res.contentType, /^application\/json/);
  assert.match(s.res.headers.get('cache-control') || '', /no-store/);
  // expires_at = now + session-ttl
  const exp = Date.parse(s.expiresAt);
  assert.ok(Number.isFinite(exp), `expires_at ${s.expiresAt}`);
  assert.ok(Math.abs(exp - (t0 + TTL * 1000)) < 10_000, `expires_at ${s.expiresAt} is not ~${TTL}s from now`);
  // the cookie
  const c = s.setCookie || '';
  assert.ok(c.startsWith(`gx_session=${s.token};`), `Set-Cookie: ${c}`);
  const attrs = c.split(';').slice(1).map((a) => a.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), `cookie is not HttpOnly: ${c}`);
  assert.ok(attrs.includes('samesite=lax'), `cookie is not SameSite=Lax: ${c}`);
  assert.ok(attrs.includes('path=/'), `cookie path is not /: ${c}`);
  assert.ok(attrs.includes(`max-age=${TTL}`), `cookie Max-Age is not the session TTL: ${c}`);
});

test('a wrong password, an unknown user and a wrong tenant get the same answer', async () => {
  const wrong = await gx.loginRaw('sam', 'not-the-password');
  const unknown = await gx.loginRaw('nobody-by-this-name', USER_PASSWORD);
  const badTenant = await gx.loginRaw('admin', ADMIN_PASSWORD, 'no-such-tenant');
  assertProblem(wrong, 401, 'wrong password');
  assertProblem(unknown, 401, 'unknown user');
  assertProblem(badTenant, 401, 'unknown tenant');
  assert.deepEqual(shape(unknown), shape(wrong), 'an unknown user is told apart from a wrong password');
  assert.deepEqual(shape(badTenant), shape(wrong), 'an unknown tenant is told apart from a wrong password');
  for (const r of [wrong, unknown, badTenant]) assert.equal(r.headers.get('set-cookie'), null, 'a failed login set a cookie');
  // malformed logins are validation errors, not authentication failures
  const missing = await gx.post('/api/v1/auth/login', { username: 'sam' });
  assertProblem(missing, 422, 'no password');
  assert.equal(errorsFor(missing.json, 'password').length, 1, missing.text);
  assertProblem(await gx.post('/api/v1/auth/login', { username: 'sam', password: 12345678 }), 422, 'password not a string');
  assertProblem(await gx.post('/api/v1/auth/login', { username: 'sam', password: 'x', extra: 1 }), 422, 'unknown login field');
});

test('a bearer token authenticates; a missing, forged or garbage one does not', async () => {
  const r = await me({ token: admin.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.username, 'admin');
  assert.ok(!r.json.csrf_token, 'a bearer-authenticated /auth/me gives out the CSRF token');
  const none = await me();
  assertProblem(none, 401, 'no credentials');
  assert.match(none.headers.get('www-authenticate') || '', /Bearer/);
  assertProblem(await me({ token: 'garbage' }), 401, 'garbage token');
  assertProblem(await me({ token: admin.token + 'x' }), 401, 'token with a byte added');
  assertProblem(await me({ token: admin.token.slice(0, -1) + (admin.token.endsWith('A') ? 'B' : 'A') }), 401, 'token with a byte changed');
  // the secret of the token under another tenant id
  const [tid, secret] = admin.token.split('.');
  if (secret) assertProblem(await me({ token: `${Number(tid) + 1}.${secret}` }), 401, 'token with another tenant prefix');
});

test('the session cookie authenticates reads; unsafe methods also need X-CSRF-Token', async () => {
  const c = { cookie: admin.token };
  const r = await me(c);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.csrf_token, admin.csrf, '/auth/me over the cookie gives the CSRF token');
  const before = await gx.count('teams', { token: admin.token });
  // POST
  assertProblem(await gx.post('/api/v1/teams', { name: 'csrf-a' }, c), 403, 'cookie POST without CSRF');
  assertProblem(await gx.post('/api/v1/teams', { name: 'csrf-a' }, { ...c, csrf: 'wrong-' + admin.csrf }), 403, 'cookie POST with a wrong CSRF token');
  assertProblem(await gx.post('/api/v1/teams', { name: 'csrf-a' }, { ...c, csrf: admin.csrf.slice(0, -1) }), 403, 'cookie POST with a truncated CSRF token');
  assert.equal(await gx.count('teams', { token: admin.token }), before, 'a refused cookie POST created a team');
  const team = await gx.create('teams', { name: 'csrf-a' }, { ...c, csrf: admin.csrf });
  // PATCH
  assertProblem(await gx.patch(`/api/v1/teams/${team.id}`, { name: 'csrf-b' }, { ...c, ifMatch: '"1"' }), 403, 'cookie PATCH without CSRF');
  let cur = await gx.getOk(`/api/v1/teams/${team.id}`, { token: admin.token });
  assert.equal(cur.name, 'csrf-a');
  assert.equal(cur.version, 1);
  const p = await gx.patch(`/api/v1/teams/${team.id}`, { name: 'csrf-b' }, { ...c, csrf: admin.csrf, ifMatch: '"1"' });
  assert.equal(p.status, 200, p.text);
  // DELETE
  assertProblem(await gx.del(`/api/v1/teams/${team.id}`, c), 403, 'cookie DELETE without CSRF');
  cur = await gx.getOk(`/api/v1/teams/${team.id}`, { token: admin.token });
  assert.equal(cur.deleted_at, null);
  assert.equal((await gx.del(`/api/v1/teams/${team.id}`, { ...c, csrf: admin.csrf })).status, 204);
  // logout is unsafe too: without the header it must not end the session
  assertProblem(await gx.post('/api/v1/auth/logout', {}, c), 403, 'cookie logout without CSRF');
  assert.equal((await me({ token: admin.token })).status, 200, 'a refused logout ended the session');
});

test('bearer and API-key requests need no CSRF header', async () => {
  const t = await gx.create('teams', { name: 'bearer-no-csrf' }, { token: admin.token });
  const p = await gx.patch(`/api/v1/teams/${t.id}`, { description: 'x' }, { token: admin.token, ifMatch: '"1"' });
  assert.equal(p.status, 200, p.text);
  assert.equal((await gx.del(`/api/v1/teams/${t.id}`, { token: admin.token })).status, 204);
  // the CSRF token of one session does not help a cookie of another either
  const sam = await gx.login('sam');
  secrets.push(sam.token);
  assertProblem(await gx.post('/api/v1/auth/logout', {}, { cookie: sam.token, csrf: admin.csrf }), 403, 'another session\'s CSRF token');
});

test('logout ends that session only, and clears the cookie', async () => {
  const s1 = await gx.login('sam');
  const s2 = await gx.login('sam');
  secrets.push(s1.token, s2.token);
  assert.equal((await me({ token: s1.token })).status, 200);
  const out = await gx.post('/api/v1/auth/logout', {}, { token: s1.token });
  assert.equal(out.status, 204, out.text);
  const c = out.headers.get('set-cookie') || '';
  assert.match(c, /^gx_session=;/, `logout does not clear the cookie: ${c}`);
  assert.match(c, /Max-Age=0/i, `logout does not expire the cookie: ${c}`);
  assertProblem(await me({ token: s1.token }), 401, 'session after logout');
  assertProblem(await me({ cookie: s1.token }), 401, 'cookie after logout');
  assertProblem(await gx.post('/api/v1/auth/logout', {}, { token: s1.token }), 401, 'second logout');
  assert.equal((await me({ token: s2.token })).status, 200, 'logout ended another session of the same user');
  // logout through the cookie (with the CSRF header)
  const out2 = await gx.post('/api/v1/auth/logout', {}, { cookie: s2.token, csrf: s2.csrf });
  assert.equal(out2.status, 204, out2.text);
  assertProblem(await me({ token: s2.token }), 401, 'session after cookie logout');
});

test(`repeated failed logins are throttled: 429 with Retry-After after ${MAX_FAILURES} failures`, async () => {
  for (let i = 0; i < MAX_FAILURES; i++) assertProblem(await gx.loginRaw('tess', `wrong-password-${i}`), 401, `failure ${i + 1}`);
  // now even the right password is refused for a while
  const r = await gx.loginRaw('tess', USER_PASSWORD);
  const p = assertProblem(r, 429, 'login after repeated failures');
  assert.match(p.type, /throttl|too-many/i);
  const ra = r.headers.get('retry-after');
  assert.match(ra || '', /^\d+$/, `Retry-After: ${ra}`);
  assert.ok(Number(ra) >= 1 && Number(ra) <= 15 * 60 + 1, `Retry-After ${ra} outside 1..901 s (login window 900 s)`);
  assert.equal(r.headers.get('set-cookie'), null);
  // an unknown user name is throttled the same way (no user enumeration)
  for (let i = 0; i < MAX_FAILURES; i++) assertProblem(await gx.loginRaw('ghost-user', `wrong-${i}`), 401, `ghost failure ${i + 1}`);
  const g = await gx.loginRaw('ghost-user', 'whatever-password');
  assertProblem(g, 429, 'unknown user after repeated failures');
  assert.deepEqual(shape(g), shape(r), 'throttling tells a real user from an unknown one');
  // other users are not locked out by tess's failures
  const other = await gx.login('sam');
  secrets.push(other.token);
});

test('API keys: created by an admin, used as X-API-Key or Bearer, listed without the secret, stored hashed, revoked', async () => {
  const cr = await gx.post('/api/v1/api-keys', { name: 'erp sync' }, { token: admin.token });
  assert.equal(cr.status, 201, cr.text);
  const k = cr.json;
  secrets.push(k.key);
  assert.match(k.key, /^gxk_/, `key ${k.key}`);
  assert.ok(k.key.length >= 32, 'key too short');
  assert.equal(k.name, 'erp sync');
  assert.equal(k.user_id, admin.user.id);
  assert.ok(k.key.startsWith(k.key_prefix) && k.key_prefix.length < k.key.length - 16, `prefix ${k.key_prefix} gives away the key`);
  // use it
  for (const opts of [{ apiKey: k.key }, { token: k.key }]) {
    const r = await me(opts);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.username, 'admin');
  }
  const t = await gx.create('teams', { name: 'made-with-a-key' }, { apiKey: k.key }); // no CSRF needed
  assert.equal(t.created_by, admin.user.id);
  // listed without the secret
  const list = await gx.get('/api/v1/api-keys', { token: admin.token });
  assert.equal(list.status, 200, list.text);
  const row = list.json.items.find((x) => x.id === k.id);
  assert.ok(row, 'the new key is not listed');
  assert.equal(row.key, undefined, 'the list gives the key');
  assert.equal(row.key_hash, undefined, 'the list gives the key hash');
  assert.ok(!list.text.includes(k.key), 'the list contains the key text');
  // stored hashed: the key is nowhere in the database (dump, and the raw db and WAL bytes)
  const dump = await sqlite(gx.db, '.dump');
  const secretPart = k.key.slice(k.key_prefix.length);
  assert.ok(!dump.includes(k.key) && !dump.includes(secretPart), 'the API key is stored in clear');
  const stored = await sqlite(gx.db, `SELECT key_hash FROM api_keys WHERE id = ${k.id}`);
  assert.ok(stored.trim().length >= 32, `no hash stored: ${stored}`);
  for (const f of [gx.db, gx.db + '-wal']) {
    if (existsSync(f)) assert.equal(readFileSync(f).indexOf(secretPart), -1, `${f} contains the API key`);
  }
  const audit = await gx.get('/api/v1/audit?entity=api_keys', { token: admin.token });
  assert.equal(audit.status, 200);
  assert.ok(audit.json.items.length >= 1, 'creating a key wrote no audit entry');
  assert.ok(!audit.text.includes(secretPart), 'the audit log contains the API key');
  // a key acts with its user's role
  const sam = await gx.getOk('/api/v1/users?filter[username]=sam', { token: admin.token });
  const sk = await gx.post('/api/v1/api-keys', { name: 'sam key', user_id: sam.items[0].id }, { token: admin.token });
  assert.equal(sk.status, 201, sk.text);
  secrets.push(sk.json.key);
  assert.equal((await gx.get('/api/v1/teams', { apiKey: sk.json.key })).status, 200);
  assertProblem(await gx.post('/api/v1/teams', { name: 'by-sales-key' }, { apiKey: sk.json.key }), 403, 'sales key writes teams');
  assertProblem(await gx.get('/api/v1/api-keys', { apiKey: sk.json.key }), 403, 'sales key lists keys');
  // bad creates
  assertProblem(await gx.post('/api/v1/api-keys', {}, { token: admin.token }), 422, 'key without a name');
  assertProblem(await gx.post('/api/v1/api-keys', { name: 'x', scope: 'all' }, { token: admin.token }), 422, 'key with an unknown field');
  assertProblem(await gx.post('/api/v1/api-keys', { name: 'x', user_id: 12345 }, { token: admin.token }), 422, 'key for no such user');
  // revoke
  const del = await gx.del(`/api/v1/api-keys/${k.id}`, { token: admin.token });
  assert.equal(del.status, 204, del.text);
  assertProblem(await me({ apiKey: k.key }), 401, 'revoked key');
  assertProblem(await me({ token: k.key }), 401, 'revoked key as bearer');
  assertProblem(await gx.del(`/api/v1/api-keys/${k.id}`, { token: admin.token }), 404, 'revoking twice');
  assertProblem(await gx.del('/api/v1/api-keys/123', { token: admin.token }), 404, 'revoking no such key');
  const after = await gx.getOk('/api/v1/api-keys', { token: admin.token });
  assert.ok(after.items.find((x) => x.id === k.id).revoked_at, 'the revoked key has no revoked_at');
});

test('a disabled user cannot log in, and their sessions and API keys stop working', async () => {
  const dora = await gx.login('dora');
  secrets.push(dora.token);
  const key = await gx.post('/api/v1/api-keys', { name: 'dora key', user_id: dora.user.id }, { token: admin.token });
  assert.equal(key.status, 201, key.text);
  secrets.push(key.json.key);
  assert.equal((await me({ token: dora.token })).status, 200);
  assert.equal((await me({ apiKey: key.json.key })).status, 200);
  const u = await gx.get(`/api/v1/users/${dora.user.id}`, { token: admin.token });
  const d = await gx.patch(`/api/v1/users/${dora.user.id}`, { disabled: true }, { token: admin.token, ifMatch: u.headers.get('etag') });
  assert.equal(d.status, 200, d.text);
  assert.ok(d.json.disabled_at, 'disabled_at not set');
  assertProblem(await me({ token: dora.token }), 401, 'session of a disabled user');
  assertProblem(await me({ cookie: dora.token }), 401, 'cookie of a disabled user');
  assertProblem(await me({ apiKey: key.json.key }), 401, 'API key of a disabled user');
  const login = await gx.loginRaw('dora', USER_PASSWORD);
  assertProblem(login, 401, 'login of a disabled user');
  const wrong = await gx.loginRaw('nobody-at-all', USER_PASSWORD);
  assert.deepEqual(shape(login), shape(wrong), 'a disabled account is told apart from a wrong login');
  // enabled again: old sessions stay ended, a new login works
  const e = await gx.patch(`/api/v1/users/${dora.user.id}`, { disabled: false }, { token: admin.token, ifMatch: d.headers.get('etag') });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.disabled_at, null);
  assertProblem(await me({ token: dora.token }), 401, 'old session after re-enabling');
  const again = await gx.login('dora');
  secrets.push(again.token);
});

test('a user changes their own password with the current one', async () => {
  const pat = await gx.login('pat');
  secrets.push(pat.token);
  const otherDevice = await gx.login('pat'); // e.g. a phone that someone else may hold
  secrets.push(otherDevice.token);
  const NEW = 'Pat-new-password-9';
  const path = '/api/v1/auth/password';
  const wrong = await gx.post(path, { current_password: 'not-it-at-all', new_password: NEW }, { token: pat.token });
  assertProblem(wrong, 422, 'wrong current password');
  assert.equal(errorsFor(wrong.json, 'current_password').length, 1, wrong.text);
  const weak = await gx.post(path, { current_password: USER_PASSWORD, new_password: 'short' }, { token: pat.token });
  assertProblem(weak, 422, 'too short a new password');
  assertProblem(await gx.post(path, { current_password: USER_PASSWORD }, { token: pat.token }), 422, 'no new password');
  assertProblem(await gx.post(path, { current_password: USER_PASSWORD, new_password: NEW, role: 'admin' }, { token: pat.token }), 422, 'extra field');
  assertProblem(await gx.post(path, { current_password: USER_PASSWORD, new_password: NEW }, { cookie: pat.token }), 403, 'cookie without CSRF');
  assertProblem(await gx.post(path, { current_password: USER_PASSWORD, new_password: NEW }), 401, 'no credentials');
  const ok = await gx.post(path, { current_password: USER_PASSWORD, new_password: NEW }, { token: pat.token });
  assert.equal(ok.status, 204, ok.text);
  assert.equal((await gx.getOk('/api/v1/auth/me', { token: pat.token })).user.username, 'pat', 'the session that changed it goes on');
  assertProblem(await gx.get('/api/v1/auth/me', { token: otherDevice.token }), 401, 'another session of the old password goes on');
  assertProblem(await gx.loginRaw('pat', USER_PASSWORD), 401, 'login with the old password');
  const fresh = await gx.login('pat', NEW);
  secrets.push(fresh.token);
  assert.equal(fresh.user.role, 'service', 'the password change touched the role');
  // the new password is not in the history, the audit or the database
  const hist = await gx.getOk(`/api/v1/users/${pat.user.id}/history`, { token: admin.token });
  assert.ok(hist.items.some((h) => /password/.test(h.field)), `no history entry for the password change: ${JSON.stringify(hist.items)}`);
  for (const text of [JSON.stringify(hist), await sqlite(gx.db, '.dump')]) {
    assert.ok(!text.includes(NEW) && !text.includes(USER_PASSWORD), 'a password is stored in clear');
  }
  // an administrator who sets someone's password ends all their sessions
  const v = (await gx.getOk(`/api/v1/users/${pat.user.id}`, { token: admin.token })).version;
  const reset = await gx.patch(`/api/v1/users/${pat.user.id}`, { password: 'Pat-reset-by-admin-7' }, { token: admin.token, ifMatch: `"${v}"` });
  assert.equal(reset.status, 200, reset.text);
  for (const s of [pat.token, fresh.token]) assertProblem(await gx.get('/api/v1/auth/me', { token: s }), 401, 'a session after the reset');
  assert.equal((await gx.getOk('/api/v1/auth/me', { token: admin.token })).user.username, 'admin', 'the admin\'s own session goes on');
  secrets.push('Pat-reset-by-admin-7');
});

test('no password, token or key appears in the audit log, the history or the server log', async () => {
  const audit = JSON.stringify(await gx.listAll('users', '', { token: admin.token })) +
    JSON.stringify((await gx.getOk('/api/v1/audit?limit=200', { token: admin.token })).items);
  assert.ok(!/\$argon2/.test(audit), 'a password hash leaves the server');
  assert.ok(!/password_hash/.test(audit), 'password_hash leaves the server');
  for (const s of [ADMIN_PASSWORD, USER_PASSWORD, ...secrets]) {
    assert.ok(!audit.includes(s), `a secret is in the audit log or the user list: ${s.slice(0, 8)}…`);
    assert.ok(!gx.logs.includes(s), `a secret is in the server log: ${s.slice(0, 8)}…`);
  }
  const dump = await sqlite(gx.db, '.dump');
  for (const s of secrets) assert.ok(!dump.includes(s.split('.').pop()), `a session token or key is stored in clear: ${s.slice(0, 8)}…`);
});

test(`a session ends when its time-to-live (--session-ttl ${TTL}) has passed`, { timeout: (TTL + 30) * 1000 }, async () => {
  const exp = Date.parse(expiring.expiresAt);
  // still valid shortly before the end (when the other tests were quick enough)
  if (exp - Date.now() > 3000) assert.equal((await me({ token: expiring.token })).status, 200, 'session ended before its time');
  await sleep(Math.max(0, exp - Date.now() + 1500));
  assertProblem(await me({ token: expiring.token }), 401, 'session after its TTL');
  assertProblem(await me({ cookie: expiring.token }), 401, 'cookie after its TTL');
  assertProblem(await gx.post('/api/v1/auth/logout', {}, { token: expiring.token }), 401, 'logout after its TTL');
});
