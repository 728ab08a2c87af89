// badinput.test.mjs — the bad-input catalogue: malformed JSON, wrong content
// type, invalid UTF-8, oversized bodies (with Content-Length and chunked),
// unknown fields, wrong types, huge numbers, bad ids, bad list parameters,
// path traversal on static files. Each answers a clear 4xx problem+json,
// writes nothing, and the server still answers /healthz. SQL metacharacters
// are stored literally and read back unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Guanxi, assertProblem, assertClientProblem, errorsFor } from './harness.mjs';

const BODY_MAX = 65536;
const gx = new Guanxi({ flags: ['--body-max', String(BODY_MAX)] });
let A, auth, team, user;

before(async () => {
  await gx.setup();
  A = await gx.login('admin');
  auth = { token: A.token };
  team = await gx.create('teams', { name: 'Fixture team', description: 'unchanged' }, auth);
  user = A.user;
});
after(() => gx.stop());

/** What any write would change. */
async function state() {
  return {
    teams: await gx.count('teams', auth),
    trash: await gx.count('teams', auth, true),
    users: await gx.count('users', auth),
    audit: await gx.lastAuditId(auth),
    team: await gx.getOk(`/api/v1/teams/${team.id}`, auth),
  };
}

/**
 * Sends a bad request, expects a 4xx problem+json (status when given, else
 * any 4xx), and checks that nothing was written and the server is up.
 */
async function rejects(what, send, status) {
  const before = await state();
  const r = await send();
  const p = status === undefined ? assertClientProblem(r, what) : assertProblem(r, status, what);
  assert.deepEqual(await state(), before, `${what}: something was written`);
  await gx.assertHealthy(what);
  return p;
}

const H = (extra = {}) => ({ Authorization: `Bearer ${A.token}`, ...extra });
const JSON_CT = { 'Content-Type': 'application/json' };
/** A raw POST/PATCH with exact bytes. */
const rawWrite = (method, path, body, headers = JSON_CT, extra = {}) =>
  gx.raw({ method, path, headers: H({ ...headers, 'Content-Length': String(Buffer.byteLength(body)) }), body, ...extra });

// ---- malformed JSON -------------------------------------------------------------------

const MALFORMED = [
  ['truncated object', '{"name": '],
  ['unquoted key', '{name: "x"}'],
  ['single quotes', "{'name': 'x'}"],
  ['trailing comma', '{"name": "x",}'],
  ['trailing garbage', '{"name": "x"} {"name": "y"}'],
  ['empty body', ''],
  ['whitespace only', '   \n'],
  ['an array', '[{"name": "x"}]'],
  ['a string', '"x"'],
  ['null', 'null'],
  ['a number', '42'],
  ['duplicate keys', '{"name": "dup-a", "name": "dup-b"}'],
  ['NUL byte', '{"name": "a\u0000b"}'],
  ['escaped NUL', '{"name": "a\\u0000b"}'],
  ['lone surrogate escape', '{"name": "\\ud800"}'],
  ['bad escape', '{"name": "\\x41"}'],
  ['deep nesting', '{"name": ' + '['.repeat(20000) + ']'.repeat(20000) + '}'],
  ['comment', '{"name": "x" /* c */}'],
  ['NaN', '{"name": "x", "manager_id": NaN}'],
];
for (const [what, body] of MALFORMED) {
  test(`malformed JSON (${what}) on create → 400`, async () => {
    await rejects(what, () => rawWrite('POST', '/api/v1/teams', body), 400);
  });
}

test('malformed JSON on update and on login → 400', async () => {
  await rejects('PATCH truncated', () => rawWrite('PATCH', `/api/v1/teams/${team.id}`, '{"name":', { ...JSON_CT, 'If-Match': '"1"' }), 400);
  await rejects('PATCH array', () => rawWrite('PATCH', `/api/v1/teams/${team.id}`, '[]', { ...JSON_CT, 'If-Match': '"1"' }), 400);
  await rejects('login truncated', () => gx.req('POST', '/api/v1/auth/login', { raw: '{"username":"admin",', contentType: 'application/json' }), 400);
  await rejects('password change truncated', () => rawWrite('POST', '/api/v1/auth/password', '{"current_password":'), 400);
});

// ---- content type ----------------------------------------------------------------------

const CONTENT_TYPES = [
  ['no Content-Type', null],
  ['text/plain', 'text/plain'],
  ['form-urlencoded', 'application/x-www-form-urlencoded'],
  ['multipart', 'multipart/form-data; boundary=xyz'],
  ['text/json', 'text/json'],
  ['application/xml', 'application/xml'],
  // a different JSON format (RFC 6902) is not "application/json"
  ['application/json-patch+json', 'application/json-patch+json'],
  ['application/jsonp', 'application/jsonp'],
];
for (const [i, [what, ct]] of CONTENT_TYPES.entries()) {
  test(`wrong content type (${what}) → 415`, async () => {
    const headers = ct ? { 'Content-Type': ct } : {};
    await rejects(`POST ${what}`, () => rawWrite('POST', '/api/v1/teams', `{"name":"ct-test-${i}"}`, headers), 415);
    await rejects(`PATCH ${what}`, () => rawWrite('PATCH', `/api/v1/teams/${team.id}`, '{"description":"ct"}', { ...headers, 'If-Match': '"1"' }), 415);
  });
}

test('wrong content type on login → 415', async () => {
  await rejects('login text/plain', () => gx.req('POST', '/api/v1/auth/login', { raw: '{"username":"admin","password":"x"}', contentType: 'text/plain' }), 415);
  await rejects('login form', () => gx.req('POST', '/api/v1/auth/login', { raw: 'username=admin&password=x', contentType: 'application/x-www-form-urlencoded' }), 415);
});

// ---- invalid UTF-8 ----------------------------------------------------------------------

const BAD_UTF8 = [
  ['0xFF 0xFE', [0xff, 0xfe]],
  ['overlong "/"', [0xc0, 0xaf]],
  ['overlong NUL', [0xc0, 0x80]],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['truncated sequence', [0xe4, 0xb8]],
  ['lone continuation', [0x80]],
  ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['Latin-1 é', [0xe9]],
];
for (const [what, bytes] of BAD_UTF8) {
  test(`invalid UTF-8 in the body (${what}) → 400`, async () => {
    const body = Buffer.concat([Buffer.from('{"name":"bad'), Buffer.from(bytes), Buffer.from('utf8"}')]);
    await rejects(`create ${what}`, () => rawWrite('POST', '/api/v1/teams', body), 400);
    const patch = Buffer.concat([Buffer.from('{"description":"'), Buffer.from(bytes), Buffer.from('"}')]);
    await rejects(`update ${what}`, () => rawWrite('PATCH', `/api/v1/teams/${team.id}`, patch, { ...JSON_CT, 'If-Match': '"1"' }), 400);
  });
}

test('invalid UTF-8 in the path or the query is refused or harmless', async () => {
  await rejects('path', () => gx.raw({ path: '/api/v1/teams/%ff', headers: H() }));
  for (const qs of ['q=%ff%fe', 'filter[name]=%c0%af', 'sort=%ff']) {
    const before = await state();
    const r = await gx.raw({ path: `/api/v1/teams?${qs}`, headers: H() });
    assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${qs}: ${r.status} ${r.text}`);
    if (r.status !== 200) assertClientProblem(r, qs);
    else assert.ok(Array.isArray(r.json?.items), `${qs}: ${r.text}`);
    assert.deepEqual(await state(), before);
  }
  await gx.assertHealthy();
});

// ---- oversized bodies ---------------------------------------------------------------------

test(`a body larger than --body-max with Content-Length → 413`, async () => {
  const big = JSON.stringify({ name: 'big', description: 'x'.repeat(BODY_MAX) });
  await rejects('Content-Length', () => rawWrite('POST', '/api/v1/teams', big), 413);
  await rejects('fetch', () => gx.post('/api/v1/teams', { name: 'big2', description: 'y'.repeat(2 * BODY_MAX) }, auth), 413);
  // a Content-Length that claims more than the limit is refused before any byte is read
  await rejects('claimed length', () => gx.raw({ method: 'POST', path: '/api/v1/teams', headers: H({ ...JSON_CT, 'Content-Length': String(10 * 1024 * 1024 * 1024) }), body: '{"name":"claim"}', timeout: 5000 }), 413);
  await rejects('login', () => rawWrite('POST', '/api/v1/auth/login', JSON.stringify({ username: 'admin', password: 'p'.repeat(BODY_MAX) })), 413);
  // just under the limit is fine as far as size goes (then 422: the text is too long)
  const under = JSON.stringify({ name: 'under', description: 'z'.repeat(BODY_MAX - 100) });
  await rejects('under the limit', () => rawWrite('POST', '/api/v1/teams', under), 422);
});

test('a chunked body (no Content-Length) larger than --body-max → 413', async () => {
  const chunks = ['{"name":"chunked","description":"', ...Array(20).fill('c'.repeat(BODY_MAX / 8)), '"}'];
  await rejects('chunked', () => gx.raw({ method: 'POST', path: '/api/v1/teams', headers: H(JSON_CT), chunks, timeout: 5000 }), 413);
});

test('a small chunked body is accepted like any other', async () => {
  const r = await gx.raw({ method: 'POST', path: '/api/v1/teams', headers: H(JSON_CT), chunks: ['{"name":', '"chunked-small"', '}'] });
  assert.equal(r.status, 201, r.text);
  assert.equal((await gx.del(`/api/v1/teams/${r.json.id}`, auth)).status, 204);
});

test('headers larger than the server accepts → 431, and the server stays up', async () => {
  const r = await gx.raw({ path: '/api/v1/teams', headers: H({ 'X-Padding': 'p'.repeat(100 * 1024) }) });
  assert.equal(r.status, 431, r.text);
  await gx.assertHealthy();
});

// ---- unknown fields, wrong types, huge numbers ---------------------------------------------

const INVALID_CREATES = [
  // [what, resource, body, field, code]
  ['unknown field', 'teams', { name: 'u1', colour: 'red' }, 'colour', 'unknown_field'],
  ['unknown field only', 'teams', { bogus: 1 }, 'bogus', 'unknown_field'],
  ['read-only id', 'teams', { name: 'u2', id: 5 }, 'id', 'read_only'],
  ['read-only version', 'teams', { name: 'u3', version: 7 }, 'version'],
  ['read-only created_at', 'teams', { name: 'u4', created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
  ['read-only deleted_at', 'teams', { name: 'u5', deleted_at: '2020-01-01T00:00:00Z' }, 'deleted_at'],
  ['hidden password_hash', 'users', { username: 'h1', display_name: 'H', role: 'sales', password: 'Hidden-pass-1', password_hash: '$argon2id$x' }, 'password_hash'],
  ['name a number', 'teams', { name: 123 }, 'name', 'type'],
  ['name null', 'teams', { name: null }, 'name'],
  ['name true', 'teams', { name: true }, 'name', 'type'],
  ['name an array', 'teams', { name: ['a'] }, 'name', 'type'],
  ['name an object', 'teams', { name: { a: 1 } }, 'name', 'type'],
  ['name empty', 'teams', { name: '' }, 'name'],
  ['name too long', 'teams', { name: 'n'.repeat(101) }, 'name'],
  ['name too long in CJK', 'teams', { name: '团'.repeat(101) }, 'name'],
  ['control character', 'teams', { name: 'bell\u0007' }, 'name'],
  ['manager_id a string', 'teams', { name: 'u6', manager_id: 'abc' }, 'manager_id', 'type'],
  ['manager_id numeric string', 'teams', { name: 'u7', manager_id: String(A?.user?.id ?? 1) }, 'manager_id', 'type'],
  ['manager_id a fraction', 'teams', { name: 'u8', manager_id: 1.5 }, 'manager_id', 'type'],
  ['manager_id true', 'teams', { name: 'u9', manager_id: true }, 'manager_id', 'type'],
  ['manager_id negative', 'teams', { name: 'u10', manager_id: -1 }, 'manager_id'],
  ['manager_id zero', 'teams', { name: 'u11', manager_id: 0 }, 'manager_id'],
  ['manager_id 2^53+1', 'teams', { name: 'u12', manager_id: 9007199254740993 }, 'manager_id'],
  ['manager_id of no user', 'teams', { name: 'u13', manager_id: 123456789 }, 'manager_id'],
  ['parent_id of no team', 'teams', { name: 'u14', parent_id: 123456789 }, 'parent_id'],
  ['role not a role', 'users', { username: 'r1', display_name: 'R', role: 'superuser', password: 'Role-pass-123' }, 'role'],
  ['role in upper case', 'users', { username: 'r2', display_name: 'R', role: 'ADMIN', password: 'Role-pass-123' }, 'role'],
  ['email not an email', 'users', { username: 'r3', display_name: 'R', role: 'sales', email: 'not-an-email', password: 'Role-pass-123' }, 'email'],
  ['phone letters', 'users', { username: 'r4', display_name: 'R', role: 'sales', phone: 'call me', password: 'Role-pass-123' }, 'phone'],
  ['locale unknown', 'users', { username: 'r5', display_name: 'R', role: 'sales', locale: 'xx-YY', password: 'Role-pass-123' }, 'locale'],
  ['disabled a string', 'users', { username: 'r6', display_name: 'R', role: 'sales', disabled: 'yes', password: 'Role-pass-123' }, 'disabled'],
  ['password too short', 'users', { username: 'r7', display_name: 'R', role: 'sales', password: 'short' }, 'password'],
  ['password a number', 'users', { username: 'r8', display_name: 'R', role: 'sales', password: 12345678 }, 'password'],
  ['no password', 'users', { username: 'r9', display_name: 'R', role: 'sales' }, 'password'],
  ['username with a space', 'users', { username: 'bad name', display_name: 'R', role: 'sales', password: 'Role-pass-123' }, 'username'],
  ['username with a quote', 'users', { username: "o'neil", display_name: 'R', role: 'sales', password: 'Role-pass-123' }, 'username'],
  ['username taken', 'users', { username: 'admin', display_name: 'R', role: 'sales', password: 'Role-pass-123' }, 'username'],
];
for (const [what, resource, body, field, code] of INVALID_CREATES) {
  test(`invalid create of ${resource} (${what}) → 4xx naming ${field}`, async () => {
    const p = await rejects(what, () => gx.post(`/api/v1/${resource}`, body, auth));
    assert.ok([409, 422].includes(p.status), `${what}: status ${p.status}`);
    assert.ok(errorsFor(p, field, code).length >= 1, `${what}: no error for ${field}${code ? ` (${code})` : ''}: ${JSON.stringify(p.errors)}`);
  });
}

test('invalid updates: unknown, read-only, create-only and mistyped fields → 422', async () => {
  const patch = (body, ifMatch = '"1"', path = `/api/v1/teams/${team.id}`) => gx.patch(path, body, { ...auth, ifMatch });
  for (const [what, body, field] of [
    ['unknown field', { colour: 'red' }, 'colour'],
    ['id', { id: 1 }, 'id'],
    ['created_by', { created_by: 1 }, 'created_by'],
    ['name a number', { name: 5 }, 'name'],
    ['name null', { name: null }, 'name'],
    ['parent itself', { parent_id: team.id }, 'parent_id'],
  ]) {
    const p = await rejects(`PATCH ${what}`, () => patch(body), 422);
    assert.ok(errorsFor(p, field).length >= 1, `${what}: ${JSON.stringify(p.errors)}`);
  }
  const uget = await gx.get(`/api/v1/users/${user.id}`, auth);
  const p = await rejects('PATCH username (create-only)', () => patch({ username: 'renamed' }, uget.headers.get('etag'), `/api/v1/users/${user.id}`), 422);
  assert.ok(errorsFor(p, 'username').length >= 1, JSON.stringify(p.errors));
  await rejects('PATCH version not an integer', () => gx.patch(`/api/v1/teams/${team.id}`, { description: 'v', version: 'one' }, auth), 400);
  await rejects('PATCH version 0', () => gx.patch(`/api/v1/teams/${team.id}`, { description: 'v', version: 0 }, auth), 400);
  await rejects('tenant unknown field', () => gx.patch('/api/v1/tenant', { plan: 'gold' }, auth), 422);
  await rejects('tenant bad currency', () => gx.patch('/api/v1/tenant', { currency: 'yuan' }, auth), 422);
  await rejects('tenant bad time zone', () => gx.patch('/api/v1/tenant', { time_zone: '../../etc/localtime' }, auth), 422);
});

const HUGE = [
  ['1e400', '{"name":"huge1","manager_id":1e400}'],
  ['-1e400', '{"name":"huge2","manager_id":-1e400}'],
  ['20 nines', '{"name":"huge3","manager_id":99999999999999999999}'],
  ['-20 nines', '{"name":"huge4","manager_id":-99999999999999999999}'],
  ['2^63', '{"name":"huge5","manager_id":9223372036854775808}'],
  ['400 digits', `{"name":"huge6","manager_id":${'9'.repeat(400)}}`],
  ['1e-400', '{"name":"huge7","manager_id":1e-400}'],
  ['1e400 as a name', '{"name":1e400}'],
];
for (const [what, body] of HUGE) {
  test(`a huge number (${what}) → 4xx, nothing written`, async () => {
    await rejects(what, () => rawWrite('POST', '/api/v1/teams', body));
  });
}

test('huge numbers in versions and If-Match → 4xx', async () => {
  const path = `/api/v1/teams/${team.id}`;
  await rejects('version 1e400', () => rawWrite('PATCH', path, '{"description":"h","version":1e400}'));
  await rejects('version 20 nines', () => rawWrite('PATCH', path, '{"description":"h","version":99999999999999999999}'));
  await rejects('If-Match 20 nines', () => gx.patch(path, { description: 'h' }, { ...auth, ifMatch: '"99999999999999999999"' }));
  await rejects('If-Match 2^63', () => gx.patch(path, { description: 'h' }, { ...auth, ifMatch: '"9223372036854775808"' }));
});

for (const id of ['99999999999999999999', '9223372036854775808', '9007199254740993', '1e400', '0', '-1', 'abc', '1.5', '0x10', '%20']) {
  test(`record id ${id} → 404 on get, patch, delete, restore, history`, async () => {
    await rejects(`GET id ${id}`, () => gx.get(`/api/v1/teams/${id}`, auth), 404);
    await rejects(`PATCH id ${id}`, () => gx.patch(`/api/v1/teams/${id}`, { description: 'h' }, { ...auth, ifMatch: '"1"' }), 404);
    await rejects(`DELETE id ${id}`, () => gx.del(`/api/v1/teams/${id}`, auth), 404);
    await rejects(`restore id ${id}`, () => gx.post(`/api/v1/teams/${id}/restore`, undefined, auth), 404);
    await rejects(`history id ${id}`, () => gx.get(`/api/v1/teams/${id}/history`, auth), 404);
  });
}

// ---- bad list, history and audit parameters -------------------------------------------------

const BAD_LIST = [
  'filter[nope]=1', 'filter[password_hash]=x', 'filter[description]=x', 'filter[name][like]=x',
  'filter[name=x', 'filter[]=x', 'filter[manager_id]=abc', 'filter[manager_id]=1.5', 'filter[created_at][gte]=yesterday',
  'filter[created_at][gte]=2026-13-45', 'filter[id][in]=', 'filter[id][in]=,', 'filter[id][in]=1,x',
  `filter[id][in]=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`, 'filter[manager_id][null]=maybe',
  'sort=nope', 'sort=password_hash', 'sort=description', 'sort=--name', 'sort=name;DROP TABLE teams', 'sort=',
  'limit=0', 'limit=201', 'limit=-1', 'limit=abc', 'limit=1e3', 'limit=10x', 'limit=',
  'cursor=garbage!', 'cursor=', 'cursor=bm90IGpzb24', 'cursor=' + Buffer.from('[1]').toString('base64url'),
  'cursor=' + Buffer.from('{"a":1}').toString('base64url'), 'cursor=' + Buffer.from('["x","y"]').toString('base64url'),
  'cursor=' + 'A'.repeat(5000), 'count=maybe', 'deleted=yes', 'nonsense=1', 'page=2', 'offset=10',
  'limit=99999999999999999999', 'filter[id]=99999999999999999999', 'filter[version][gte]=1e400',
];
for (const qs of BAD_LIST) {
  test(`invalid list parameter ${qs.length > 60 ? qs.slice(0, 60) + '…' : qs} → 400`, async () => {
    await rejects(`teams?${qs}`, () => gx.get(`/api/v1/teams?${qs}`, auth), 400);
  });
}

test('a cursor made for a text sort is refused on a number sort, whatever the parameter order → 400', async () => {
  const page = await gx.getOk('/api/v1/users?limit=1&sort=username', auth);
  const c = page.next_cursor ?? Buffer.from('["admin",1]').toString('base64url');
  await rejects('sort first', () => gx.get(`/api/v1/users?sort=version&cursor=${c}`, auth), 400);
  await rejects('cursor first', () => gx.get(`/api/v1/users?cursor=${c}&sort=version`, auth), 400);
});

const BAD_HISTORY = ['limit=0', 'limit=201', 'limit=abc', 'limit=5x', 'cursor=abc', 'cursor=-1', 'cursor=12x&limit=5', 'cursor=5&limit=5x', 'cursor=99999999999999999999'];
for (const qs of BAD_HISTORY) {
  test(`invalid history parameter ${qs} → 400`, async () => {
    await rejects(`history?${qs}`, () => gx.get(`/api/v1/teams/${team.id}/history?${qs}`, auth), 400);
  });
}

const BAD_AUDIT = ['id=abc', 'id=-1', 'id=0', 'id=99999999999999999999', 'limit=0', 'limit=500', 'limit=x', 'cursor=abc', 'cursor=-5', 'cursor=99999999999999999999', 'entity=' + 'e'.repeat(100)];
for (const qs of BAD_AUDIT) {
  test(`invalid audit parameter ${qs.length > 40 ? qs.slice(0, 40) + '…' : qs} → 400`, async () => {
    await rejects(`audit?${qs}`, () => gx.get(`/api/v1/audit?${qs}`, auth), 400);
  });
}

test('unknown routes and methods → 404 / 405 problem+json', async () => {
  await rejects('unknown API route', () => gx.get('/api/v1/nothing-here', auth), 404);
  await rejects('unknown API route POST', () => gx.post('/api/v1/nothing-here', { a: 1 }, auth), 404);
  await rejects('PUT on a collection', () => gx.req('PUT', '/api/v1/teams', { ...auth, body: { name: 'put' } }), 405);
  await rejects('PUT on a record', () => gx.req('PUT', `/api/v1/teams/${team.id}`, { ...auth, body: { name: 'put' } }), 405);
  await rejects('DELETE a collection', () => gx.del('/api/v1/teams', auth), 405);
  await rejects('GET login', () => gx.get('/api/v1/auth/login'), 405);
  await rejects('POST healthz', () => gx.post('/healthz', {}), 405);
});

// ---- SQL metacharacters ----------------------------------------------------------------------

const SQLISH = [
  "Robert'); DROP TABLE teams;--",
  '" OR ""="',
  "' OR '1'='1",
  '1; DELETE FROM users WHERE 1=1',
  '%_\\ LIKE wildcards',
  "名字'--注释",
  '/* comment */ SELECT * FROM sessions',
  '$1 ? :name @p',
  'back\\slash \\\' quote',
  'x` UNION SELECT password_hash FROM users --',
];
test('SQL metacharacters are stored literally and read back unchanged', async () => {
  const before = { teams: await gx.count('teams', auth), users: await gx.count('users', auth) };
  const made = [];
  for (const name of SQLISH) {
    const t = await gx.create('teams', { name, description: `desc ${name}` }, auth);
    assert.equal(t.name, name);
    made.push(t);
  }
  for (const t of made) {
    const g = await gx.getOk(`/api/v1/teams/${t.id}`, auth);
    assert.equal(g.name, t.name);
    assert.equal(g.description, `desc ${t.name}`);
    const f = await gx.getOk(`/api/v1/teams?filter[name]=${encodeURIComponent(t.name)}`, auth);
    assert.deepEqual(f.items.map((x) => x.id), [t.id], `filter[name]=${t.name}`);
    const q = await gx.getOk(`/api/v1/teams?q=${encodeURIComponent(t.name)}&limit=200`, auth);
    assert.ok(q.items.some((x) => x.id === t.id), `q=${t.name} does not find it`);
    const p = await gx.patch(`/api/v1/teams/${t.id}`, { description: t.name }, { ...auth, ifMatch: '"1"' });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.description, t.name);
  }
  // the tables are all still there, nothing else changed
  assert.equal(await gx.count('teams', auth), before.teams + SQLISH.length);
  assert.equal(await gx.count('users', auth), before.users);
  // filters and searches with metacharacters match literally
  assert.equal((await gx.getOk(`/api/v1/teams?filter[name]=${encodeURIComponent("x' OR '1'='1")}`, auth)).items.length, 0);
  assert.equal((await gx.getOk(`/api/v1/teams?filter[name][in]=${encodeURIComponent("a','b")}`, auth)).items.length, 0);
  const pct = (await gx.getOk('/api/v1/teams?q=%25&limit=200', auth)).items.map((x) => x.name);
  assert.deepEqual(pct, SQLISH.filter((n) => n.includes('%')), 'q=% matches more than the names with a %');
  const us = (await gx.getOk('/api/v1/teams?q=_&limit=200', auth)).items.map((x) => x.name).sort();
  assert.deepEqual(us, SQLISH.filter((n) => n.includes('_') || `desc ${n}`.includes('_')).sort(), 'q=_ matches more than the names with a _');
  // login with SQL in the user name is just a failed login
  const l = await gx.loginRaw("admin' --", 'whatever');
  assertProblem(l, 401, 'SQL in the user name');
  const l2 = await gx.loginRaw("' OR '1'='1", "' OR '1'='1");
  assertProblem(l2, 401, 'SQL in user name and password');
  for (const t of made) assert.equal((await gx.del(`/api/v1/teams/${t.id}`, auth)).status, 204);
});

// ---- path traversal on static files ------------------------------------------------------------

const TRAVERSAL = [
  '/../../etc/passwd',
  '/../../../../../../../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%2E%2E/%2E%2E/etc/passwd',
  '/assets/..%2f..%2fetc/passwd',
  '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/..%2f..%2f..%2fetc%2fpasswd',
  '/assets/../../../etc/passwd',
  '/index.html/../../etc/passwd',
  '/./../etc/passwd',
  '/..\\..\\etc\\passwd',
  '/..%5c..%5cetc%5cpasswd',
  '/..;/..;/etc/passwd',
  '//etc/passwd',
  '/assets//..//..//etc/passwd',
  '/api/v1/../../../etc/passwd',
  '/api/v1/%2e%2e/%2e%2e/etc/passwd',
  '/../../proc/self/environ',
  '/../guanxi.db',
  '/%2e%2e/guanxi.db',
];
for (const path of TRAVERSAL) {
  test(`path traversal ${path} never leaks a file`, async () => {
    for (const method of ['GET', 'HEAD']) {
      const before = await state();
      const r = await gx.raw({ method, path });
      assert.ok(!/root:.*:0:0:/.test(r.text), `${method} ${path} leaked /etc/passwd`);
      assert.ok(!r.text.includes('SQLite format 3') && !/GUANXI_|PATH=/.test(r.text), `${method} ${path} leaked a file`);
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
      if (method === 'GET') assertProblem(r, undefined, `${method} ${path}`);
      assert.deepEqual(await state(), before);
    }
    await gx.assertHealthy(path);
  });
}

test('the static files that exist are served, and nothing else of the file system', async () => {
  const r = await gx.raw({ path: '/' });
  assert.equal(r.status, 200);
  assert.match(r.contentType, /text\/html/);
  const missing = await gx.raw({ path: '/no-such-file.js' });
  assertProblem(missing, 404, 'missing static file');
  for (const p of ['/%252e%252e/%252e%252e/etc/passwd', '/assets/%252e%252e%252fguanxi.db', '/etc/passwd', '/guanxi.db', '/proc/self/environ', '/%00', '/index.html%00.js']) {
    const x = await gx.raw({ path: p });
    assert.ok(!/root:.*:0:0:/.test(x.text) && !x.text.includes('SQLite format 3') && !/PATH=/.test(x.text), `${p} leaked a file`);
    assert.ok(x.status === 200 ? /text\/html/.test(x.contentType) : x.status >= 400 && x.status < 500, `${p}: ${x.status}`);
  }
});
