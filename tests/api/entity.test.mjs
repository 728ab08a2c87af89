// entity.test.mjs — the entity engine through users and teams: create, read,
// list (filters, sort, keyset pagination, count), optimistic concurrency,
// soft delete and restore, field history, audit, the last-admin rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Guanxi, assertProblem, errorsFor } from './harness.mjs';

const gx = new Guanxi();
let A;          // admin session
let auth;
const teams = []; // the 23 listing fixtures
const N = 23;

before(async () => {
  await gx.setup();
  A = await gx.login('admin');
  auth = { token: A.token };
  // created in a scrambled order, so that id order differs from name order
  const order = Array.from({ length: N }, (_, i) => (i * 7) % N);
  for (const i of order) {
    const body = { name: `team-${String(i).padStart(2, '0')}` };
    if (i % 3 === 0) body.description = `desc ${i % 2 ? 'odd' : 'even'}`;
    if (i % 4 === 0) body.manager_id = A.user.id;
    teams.push(await gx.create('teams', body, auth));
  }
  // a few updates: versions 1..3, so that sort=version has long runs of ties
  for (const t of teams.slice(0, 6)) {
    const r = await gx.patch(`/api/v1/teams/${t.id}`, { description: `changed ${t.name}` }, { ...auth, ifMatch: '"1"' });
    assert.equal(r.status, 200, r.text);
    Object.assign(t, r.json);
  }
  for (const t of teams.slice(0, 2)) {
    const r = await gx.patch(`/api/v1/teams/${t.id}`, { description: `again ${t.name}` }, { ...auth, ifMatch: '"2"' });
    assert.equal(r.status, 200, r.text);
    Object.assign(t, r.json);
  }
});
after(() => gx.stop());

const names = (items) => items.map((x) => x.name);
const byName = (x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

test('create answers 201 with Location and ETag; get answers the same record', async () => {
  const r = await gx.post('/api/v1/teams', { name: 'Created', description: '说明 with 中文' }, auth);
  assert.equal(r.status, 201, r.text);
  const t = r.json;
  assert.equal(r.headers.get('location'), `/api/v1/teams/${t.id}`);
  assert.equal(r.headers.get('etag'), '"1"');
  assert.equal(t.version, 1);
  assert.equal(t.name, 'Created');
  assert.equal(t.description, '说明 with 中文');
  assert.equal(t.created_by, A.user.id);
  assert.equal(t.updated_by, A.user.id);
  assert.equal(t.deleted_at, null);
  assert.ok(Number.isSafeInteger(t.id) && t.id > 0, `id ${t.id}`);
  assert.ok(!Number.isNaN(Date.parse(t.created_at)), `created_at ${t.created_at}`);
  const g = await gx.get(r.headers.get('location'), auth);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.headers.get('etag'), '"1"');
  assert.deepEqual(g.json, t);
  // a duplicate name is a 409 naming the field
  const dup = await gx.post('/api/v1/teams', { name: 'Created' }, auth);
  assertProblem(dup, 409, 'duplicate name');
  assert.equal(errorsFor(dup.json, 'name').length, 1, dup.text);
  // a missing required field is a 422 naming it
  const miss = await gx.post('/api/v1/teams', { description: 'no name' }, auth);
  assertProblem(miss, 422, 'no name');
  assert.equal(errorsFor(miss.json, 'name', 'required').length, 1, miss.text);
  assertProblem(await gx.get('/api/v1/teams/4242424242', auth), 404, 'no such team');
});

test('list filters: eq, ne, gt/gte/lt/lte, in, null, q, and on system fields', async () => {
  const all = teams.slice().sort(byName);
  const q = async (qs) => names((await gx.getOk(`/api/v1/teams?limit=200&sort=name&${qs}`, auth)).items).filter((n) => n.startsWith('team-'));
  assert.deepEqual(await q('filter[name]=team-05'), ['team-05']);
  assert.deepEqual(await q('filter[name][eq]=team-05'), ['team-05']);
  assert.deepEqual(await q('filter[name][in]=team-03,team-11,nope'), ['team-03', 'team-11']);
  assert.deepEqual(await q('filter[name][gte]=team-20'), ['team-20', 'team-21', 'team-22']);
  assert.deepEqual(await q('filter[name][gt]=team-20'), ['team-21', 'team-22']);
  assert.deepEqual(await q('filter[name][lt]=team-02'), ['team-00', 'team-01']);
  assert.deepEqual(await q('filter[name][lte]=team-02'), ['team-00', 'team-01', 'team-02']);
  assert.deepEqual(await q('filter[name][gte]=team-10&filter[name][lt]=team-13'), ['team-10', 'team-11', 'team-12']);
  assert.equal((await q('filter[name][ne]=team-05')).length, N - 1);
  const managed = all.filter((t) => t.manager_id === A.user.id).map((t) => t.name);
  assert.deepEqual(await q(`filter[manager_id]=${A.user.id}`), managed);
  assert.deepEqual(await q('filter[manager_id][null]=false'), managed);
  assert.deepEqual(await q('filter[manager_id][null]=true'), all.filter((t) => t.manager_id === null).map((t) => t.name));
  assert.deepEqual(await q(`filter[id]=${teams[4].id}`), [teams[4].name]);
  assert.deepEqual(await q(`filter[version][gte]=2`), all.filter((t) => t.version >= 2).map((t) => t.name));
  const mid = teams[Math.floor(N / 2)].created_at;
  assert.deepEqual(await q(`filter[created_at][gte]=${mid}`), all.filter((t) => t.created_at >= mid).map((t) => t.name));
  assert.deepEqual(await q(`filter[created_at][lt]=${mid}`), all.filter((t) => t.created_at < mid).map((t) => t.name));
  assert.deepEqual(await q('filter[created_at][lt]=2000-01-01'), []);
  // q= searches name and description, case-insensitively
  assert.deepEqual(await q('q=TEAM-2'), ['team-20', 'team-21', 'team-22']);
  assert.deepEqual(await q('q=desc%20odd'), all.filter((t) => t.description === 'desc odd').map((t) => t.name));
  assert.deepEqual(await q('q=no-such-text'), []);
});

test('sort by each sortable field, both ways; ties broken by id', async () => {
  const list = async (s) => (await gx.getOk(`/api/v1/teams?limit=200&sort=${s}&filter[name][gte]=team-&filter[name][lt]=team-~`, auth)).items;
  const all = teams.slice();
  const cmp = (f, desc) => (x, y) => {
    const a = x[f], b = y[f];
    const c = a < b ? -1 : a > b ? 1 : 0;
    return (desc ? -c : c) || (desc ? y.id - x.id : x.id - y.id);
  };
  for (const f of ['name', 'id', 'version', 'created_at', 'updated_at']) {
    for (const desc of [false, true]) {
      const got = (await list(`${desc ? '-' : ''}${f}`)).map((x) => x.id);
      const want = all.slice().sort(cmp(f, desc)).map((x) => x.id);
      assert.deepEqual(got, want, `sort=${desc ? '-' : ''}${f}`);
    }
  }
});

test('keyset pagination walks every page without duplicates or gaps, for every sort', async () => {
  for (const sort of ['name', '-name', 'id', '-id', 'version', '-version', 'created_at', '-updated_at']) {
    for (const limit of [1, 4, 7]) {
      const base = `sort=${sort}&filter[name][gte]=team-&filter[name][lt]=team-~`;
      const whole = (await gx.getOk(`/api/v1/teams?limit=200&${base}`, auth)).items.map((x) => x.id);
      assert.equal(whole.length, N);
      const walked = [];
      let cursor = null, pages = 0;
      do {
        const r = await gx.getOk(`/api/v1/teams?limit=${limit}&${base}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, auth);
        assert.ok(r.items.length <= limit, `page larger than limit ${limit}`);
        assert.ok(r.items.length > 0 || !cursor, `sort=${sort} limit=${limit}: an empty page after a cursor`);
        walked.push(...r.items.map((x) => x.id));
        cursor = r.next_cursor;
        assert.ok(++pages <= N + 1, `sort=${sort} limit=${limit}: pagination does not end`);
      } while (cursor);
      assert.equal(new Set(walked).size, walked.length, `sort=${sort} limit=${limit}: duplicates`);
      assert.deepEqual(walked, whole, `sort=${sort} limit=${limit}: the pages differ from the whole list`);
      assert.equal(pages, Math.ceil(N / limit), `sort=${sort} limit=${limit}: page count`);
    }
  }
});

test('keyset pagination is stable while records are added and deleted between pages', async () => {
  const base = 'sort=name&limit=5&filter[name][gte]=team-&filter[name][lt]=team-~';
  const p1 = await gx.getOk(`/api/v1/teams?${base}`, auth);
  // insert a record before the cursor and one after it; delete one already seen
  const early = await gx.create('teams', { name: 'team-00a' }, auth);
  const late = await gx.create('teams', { name: 'team-22a' }, auth);
  assert.equal((await gx.del(`/api/v1/teams/${p1.items[1].id}`, auth)).status, 204);
  const rest = [];
  let cursor = p1.next_cursor;
  while (cursor) {
    const r = await gx.getOk(`/api/v1/teams?${base}&cursor=${encodeURIComponent(cursor)}`, auth);
    rest.push(...r.items);
    cursor = r.next_cursor;
  }
  const seen = [...p1.items, ...rest].map((x) => x.name);
  assert.equal(new Set(seen).size, seen.length, 'a record came twice');
  const want = teams.map((t) => t.name).sort();
  for (const n of want) assert.ok(seen.includes(n), `${n} was skipped`);
  assert.ok(seen.includes('team-22a') && !seen.includes('team-00a'), 'keyset: records before the cursor appeared, or after it did not');
  // put things back as they were
  for (const t of [early, late]) assert.equal((await gx.del(`/api/v1/teams/${t.id}`, auth)).status, 204);
  const rs = await gx.post(`/api/v1/teams/${p1.items[1].id}/restore`, undefined, auth);
  assert.equal(rs.status, 200, rs.text);
  Object.assign(teams.find((t) => t.id === p1.items[1].id), rs.json);
});

test('pagination of users sorted by a nullable field (email) with ties', async () => {
  const mk = [['ua', 'x@example.com'], ['ub', null], ['uc', 'a@example.com'], ['ud', 'x@example.com'], ['ue', null], ['uf', 'm@example.com']];
  const made = [];
  for (const [u, email] of mk) {
    const body = { username: u, display_name: u.toUpperCase(), role: 'readonly', password: 'Pagination-pw-1' };
    if (email) body.email = email;
    made.push(await gx.create('users', body, auth));
  }
  for (const sort of ['email', '-email']) {
    const whole = (await gx.getOk(`/api/v1/users?limit=200&sort=${sort}`, auth)).items.map((x) => x.id);
    const walked = (await gx.listAll('users', `sort=${sort}`, auth, { limit: 2 })).map((x) => x.id);
    assert.deepEqual(walked, whole, `users sort=${sort}: the pages differ from the whole list`);
    assert.equal(new Set(walked).size, walked.length);
    for (const u of made) assert.ok(walked.includes(u.id), `sort=${sort}: ${u.username} missing`);
  }
  const asc = (await gx.getOk('/api/v1/users?limit=200&sort=email', auth)).items;
  const firstNull = asc.findIndex((x) => x.email === null);
  assert.ok(firstNull > 0 && asc.slice(firstNull).every((x) => x.email === null), 'NULL emails are not all last');
  for (const u of made) assert.equal((await gx.del(`/api/v1/users/${u.id}`, auth)).status, 204);
});

test('count=true gives the total of the whole filtered list; without it there is no total', async () => {
  const r = await gx.getOk('/api/v1/teams?limit=2&filter[name][gte]=team-&filter[name][lt]=team-~&count=true', auth);
  assert.equal(r.total, N);
  assert.equal(r.items.length, 2);
  assert.equal((await gx.getOk('/api/v1/teams?count=true&filter[name][in]=team-01,team-02', auth)).total, 2);
  assert.equal((await gx.getOk('/api/v1/teams?count=true&q=zzz-nothing', auth)).total, 0);
  const no = await gx.getOk('/api/v1/teams?limit=2', auth);
  assert.ok(!('total' in no), 'a total without count=true');
  assert.equal((await gx.getOk('/api/v1/teams?count=false', auth)).total, undefined);
});

test('optimistic concurrency: a second PATCH with the same If-Match answers 412', async () => {
  const t = await gx.create('teams', { name: 'Concurrency' }, auth);
  const path = `/api/v1/teams/${t.id}`;
  const first = await gx.patch(path, { description: 'first' }, { ...auth, ifMatch: '"1"' });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.headers.get('etag'), '"2"');
  assert.equal(first.json.version, 2);
  const second = await gx.patch(path, { description: 'second' }, { ...auth, ifMatch: '"1"' });
  assertProblem(second, 412, 'stale If-Match');
  let cur = await gx.getOk(path, auth);
  assert.equal(cur.description, 'first', 'the stale PATCH was applied');
  assert.equal(cur.version, 2);
  // the version may come in the body instead; weak ETags are understood
  const vb = await gx.patch(path, { description: 'by body', version: 2 }, auth);
  assert.equal(vb.status, 200, vb.text);
  assertProblem(await gx.patch(path, { description: 'stale body', version: 2 }, auth), 412, 'stale version in body');
  const weak = await gx.patch(path, { description: 'weak' }, { ...auth, ifMatch: 'W/"3"' });
  assert.equal(weak.status, 200, weak.text);
  // no version at all: 428; a malformed one: 400
  assertProblem(await gx.patch(path, { description: 'blind' }, auth), 428, 'PATCH without If-Match');
  assertProblem(await gx.patch(path, { description: 'x' }, { ...auth, ifMatch: 'nonsense' }), 400, 'malformed If-Match');
  assertProblem(await gx.patch(path, { description: 'x' }, { ...auth, ifMatch: '"0"' }), 400, 'If-Match "0"');
  // DELETE with a stale If-Match is refused too
  assertProblem(await gx.del(path, { ...auth, ifMatch: '"1"' }), 412, 'DELETE with a stale If-Match');
  cur = await gx.getOk(path, auth);
  assert.equal(cur.deleted_at, null);
  assert.equal(cur.description, 'weak');
  // two PATCHes at the same moment with the same version: exactly one wins
  const v = `"${cur.version}"`;
  const race = await Promise.all(['left', 'right'].map((d) => gx.patch(path, { description: d }, { ...auth, ifMatch: v })));
  const statuses = race.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 412], `concurrent PATCHes answered ${statuses}`);
  const winner = race.find((r) => r.status === 200).json.description;
  cur = await gx.getOk(path, auth);
  assert.equal(cur.description, winner);
  assert.equal(cur.version, 5);
  // a PATCH that changes nothing keeps the version
  const same = await gx.patch(path, { description: winner }, { ...auth, ifMatch: '"5"' });
  assert.equal(same.status, 200, same.text);
  assert.equal(same.json.version, 5);
});

test('soft delete hides a record from get and list; deleted=true lists it; restore brings it back', async () => {
  const t = await gx.create('teams', { name: 'Deletable' }, auth);
  const path = `/api/v1/teams/${t.id}`;
  const count = await gx.count('teams', auth);
  const trash = await gx.count('teams', auth, true);
  const d = await gx.del(path, auth);
  assert.equal(d.status, 204, d.text);
  assertProblem(await gx.get(path, auth), 404, 'get after delete');
  assertProblem(await gx.patch(path, { description: 'x' }, { ...auth, ifMatch: '"2"' }), 404, 'patch after delete');
  assertProblem(await gx.del(path, auth), 404, 'second delete');
  assert.ok(!(await gx.listAll('teams', '', auth)).some((x) => x.id === t.id), 'a deleted record is listed');
  assert.ok(!(await gx.listAll('teams', 'q=Deletable', auth)).some((x) => x.id === t.id), 'a deleted record is found by q');
  assert.equal(await gx.count('teams', auth), count - 1);
  const inTrash = (await gx.listAll('teams', 'deleted=true', auth)).find((x) => x.id === t.id);
  assert.ok(inTrash, 'deleted=true does not list the deleted record');
  assert.ok(inTrash.deleted_at, 'no deleted_at');
  assert.equal(inTrash.version, 2);
  assert.equal(await gx.count('teams', auth, true), trash + 1);
  // the name is free while the record is deleted; restoring then is a conflict
  const clash = await gx.create('teams', { name: 'Deletable' }, auth);
  const rc = await gx.post(`${path}/restore`, undefined, auth);
  assertProblem(rc, 409, 'restore onto a taken name');
  assertProblem(await gx.get(path, auth), 404, 'a refused restore restored');
  assert.equal((await gx.del(`/api/v1/teams/${clash.id}`, auth)).status, 204);
  const r = await gx.post(`${path}/restore`, undefined, auth);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.deleted_at, null);
  assert.equal(r.json.version, 3);
  assert.equal(r.headers.get('etag'), '"3"');
  assert.equal((await gx.getOk(path, auth)).name, 'Deletable');
  assert.ok((await gx.listAll('teams', '', auth)).some((x) => x.id === t.id), 'a restored record is not listed');
  assert.ok(!(await gx.listAll('teams', 'deleted=true', auth)).some((x) => x.id === t.id), 'a restored record is still in the trash');
  assertProblem(await gx.post(`${path}/restore`, undefined, auth), 409, 'restoring a live record');
  assertProblem(await gx.post('/api/v1/teams/4242424242/restore', undefined, auth), 404, 'restoring no such record');
});

test('field history records old and new values per field, newest first, paginated', async () => {
  const t = await gx.create('teams', { name: 'Historic', description: 'v1' }, auth);
  const path = `/api/v1/teams/${t.id}`;
  let r = await gx.patch(path, { name: 'Historic 2', description: 'v2' }, { ...auth, ifMatch: '"1"' });
  assert.equal(r.status, 200, r.text);
  r = await gx.patch(path, { description: null, manager_id: A.user.id }, { ...auth, ifMatch: '"2"' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await gx.del(path, auth)).status, 204);
  assert.equal((await gx.post(`${path}/restore`, undefined, auth)).status, 200);
  const h = await gx.getOk(`${path}/history?limit=200`, auth);
  const rows = h.items.map((x) => [x.field, x.old_value, x.new_value]);
  const ts = h.items.map((x) => x.changed_at);
  assert.deepEqual(rows.slice(0, 2).map((x) => x[0]), ['deleted_at', 'deleted_at']);
  assert.equal(rows[0][2], null, 'restore: deleted_at back to null');
  assert.ok(rows[0][1], 'restore: old deleted_at');
  assert.equal(rows[1][1], null);
  assert.ok(rows[1][2], 'delete: new deleted_at');
  const find = (field, o, n) => rows.some((x) => x[0] === field && x[1] === o && x[2] === n);
  assert.ok(find('name', 'Historic', 'Historic 2'), `no name change in ${JSON.stringify(rows)}`);
  assert.ok(find('description', 'v1', 'v2'), `no description change in ${JSON.stringify(rows)}`);
  assert.ok(find('description', 'v2', null), `no description removal in ${JSON.stringify(rows)}`);
  assert.ok(find('manager_id', null, String(A.user.id)), `no manager change in ${JSON.stringify(rows)}`);
  // the create itself is in the audit log; history rows for it are optional, but must say null → value
  const createRows = rows.filter((x) => x[1] === null && ['name', 'description'].includes(x[0]));
  assert.ok(createRows.length === 0 || (find('name', null, 'Historic') && find('description', null, 'v1')), `odd create entries in ${JSON.stringify(rows)}`);
  assert.equal(rows.length - createRows.length, 6, `unexpected history ${JSON.stringify(rows)}`);
  assert.ok(h.items.every((x) => x.changed_by === A.user.id), 'changed_by is not the admin');
  assert.deepEqual(ts, ts.slice().sort().reverse(), 'history is not newest first');
  // page through it one entry at a time
  const walked = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const p = await gx.getOk(`${path}/history?limit=3${cursor ? `&cursor=${cursor}` : ''}`, auth);
    walked.push(...p.items.map((x) => x.id));
    cursor = p.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(walked, h.items.map((x) => x.id), 'paged history differs');
  // the history of a user never shows a password
  const u = await gx.create('users', { username: 'hist', display_name: 'Hist', role: 'sales', password: 'Hist-password-1' }, auth);
  const pu = await gx.patch(`/api/v1/users/${u.id}`, { password: 'Hist-password-2' }, { ...auth, ifMatch: '"1"' });
  assert.equal(pu.status, 200, pu.text);
  const uh = await gx.get(`/api/v1/users/${u.id}/history`, auth);
  assert.equal(uh.status, 200);
  assert.ok(!/Hist-password|\$argon2/.test(uh.text), `the history shows a password: ${uh.text}`);
  assert.ok(uh.json.items.some((x) => /password/.test(x.field)), 'the password change is not in the history');
});

test('the audit log has before/after for create, update, delete and restore', async () => {
  const t = await gx.create('teams', { name: 'Audited', description: 'a' }, auth);
  const path = `/api/v1/teams/${t.id}`;
  const p = await gx.patch(path, { name: 'Audited 2' }, { ...auth, ifMatch: '"1"' });
  assert.equal(p.status, 200, p.text);
  assert.equal((await gx.del(path, auth)).status, 204);
  assert.equal((await gx.post(`${path}/restore`, undefined, auth)).status, 200);
  const a = await gx.getOk(`/api/v1/audit?entity=teams&id=${t.id}`, auth);
  assert.deepEqual(a.items.map((x) => x.action), ['restore', 'delete', 'update', 'create']);
  const [restore, del, upd, cre] = a.items;
  for (const e of a.items) {
    assert.equal(e.actor_id, A.user.id);
    assert.equal(e.entity, 'teams');
    assert.equal(e.entity_id, t.id);
    assert.ok(!Number.isNaN(Date.parse(e.at)), `at ${e.at}`);
  }
  assert.ok(cre.before == null, `create has a before: ${JSON.stringify(cre.before)}`);
  assert.equal(cre.after.name, 'Audited');
  assert.equal(cre.after.description, 'a');
  assert.equal(upd.before.name, 'Audited');
  assert.equal(upd.after.name, 'Audited 2');
  assert.equal(upd.before.version, 1);
  assert.equal(upd.after.version, 2);
  assert.ok(del.before.deleted_at == null, 'delete: deleted_at before');
  assert.ok(del.after.deleted_at, 'delete: no deleted_at after');
  assert.ok(restore.before.deleted_at, 'restore: no deleted_at before');
  assert.ok(restore.after.deleted_at == null, 'restore: deleted_at after');
  // audit pagination and filters
  const one = await gx.getOk(`/api/v1/audit?entity=teams&id=${t.id}&limit=1`, auth);
  assert.equal(one.items.length, 1);
  assert.ok(one.next_cursor);
  const next = await gx.getOk(`/api/v1/audit?entity=teams&id=${t.id}&limit=1&cursor=${one.next_cursor}`, auth);
  assert.equal(next.items[0].action, 'delete');
  assert.deepEqual((await gx.getOk(`/api/v1/audit?entity=users&id=${t.id}`, auth)).items, []);
  // the audit of users never carries a password or its hash
  const ua = await gx.get('/api/v1/audit?entity=users&limit=200', auth);
  assert.ok(ua.json.items.length > 0);
  assert.ok(!/password_hash|\$argon2|Hist-password|Pagination-pw/.test(ua.text), 'a password is in the audit log');
});

test('the last active admin cannot be demoted, disabled or deleted', async () => {
  const path = `/api/v1/users/${A.user.id}`;
  const cur = await gx.get(path, auth);
  const etag = cur.headers.get('etag');
  const before = await gx.lastAuditId(auth);
  for (const [what, body] of [['demoted', { role: 'sales' }], ['disabled', { disabled: true }]]) {
    const r = await gx.patch(path, body, { ...auth, ifMatch: etag });
    const p = assertProblem(r, 409, `last admin ${what}`);
    assert.equal(errorsFor(p, 'role', 'last_admin').length, 1, r.text);
  }
  assertProblem(await gx.del(path, auth), 409, 'last admin deleted');
  const after = await gx.getOk(path, auth);
  assert.equal(after.role, 'admin');
  assert.equal(after.disabled_at, null);
  assert.equal(after.version, cur.json.version, 'a refused change bumped the version');
  assert.equal(await gx.lastAuditId(auth), before, 'a refused change wrote to the audit log');
  assert.equal((await gx.get('/api/v1/auth/me', auth)).status, 200, 'the admin lost their session');
  // with a second admin, one of them may step down; then the other is the last again
  const two = await gx.create('users', { username: 'admin2', display_name: 'Second', role: 'admin', password: 'Admin2-password' }, auth);
  const down = await gx.patch(`/api/v1/users/${two.id}`, { role: 'manager' }, { ...auth, ifMatch: '"1"' });
  assert.equal(down.status, 200, down.text);
  assertProblem(await gx.patch(path, { role: 'sales' }, { ...auth, ifMatch: etag }), 409, 'last admin demoted after the other stepped down');
  // an admin that is disabled does not count
  const three = await gx.create('users', { username: 'admin3', display_name: 'Third', role: 'admin', password: 'Admin3-password', disabled: true }, auth);
  assert.ok(three.disabled_at);
  assertProblem(await gx.patch(path, { role: 'sales' }, { ...auth, ifMatch: etag }), 409, 'a disabled admin counted as an admin');
});
