// reindex.test.mjs — `guanxi reindex [customers|contacts|all] [--tenant SLUG]`:
// customers whose search terms and sort keys are missing (rows loaded as
// they are, or keys from an older ICU) are found again after it, with
// exactly the terms the engine writes itself; a second run changes
// nothing; --tenant touches that tenant only; bad arguments are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Guanxi, sqlite, ON_PG } from './harness.mjs';

const gx = new Guanxi({
  tenants: [{ slug: 'beta', name: 'Beta 公司' }],
  users: [{ name: 'bob', role: 'admin', tenant: 'beta' }],
});
let acme, beta;

before(async () => {
  await gx.setup();
  acme = (await gx.login()).token;
  beta = (await gx.login('bob', undefined, 'beta')).token;
});
after(() => gx.stop());

// the index: PostgreSQL's term table; on SQLite the FTS5 index's own
// entries (tokens '<tag>c<term>' and their records, migrations 0011, 0012)
const terms = async () => sqlite(gx.db, ON_PG ? 'SELECT tenant_id, entity, term, record_id FROM search_terms ORDER BY 1, 2, 3, 4'
  : 'SELECT term, doc FROM search_vocab ORDER BY 1, 2');
const keys = async () => sqlite(gx.db, 'SELECT tenant_id, id, name_sort, name_key, phone_key, email_key FROM customers ORDER BY 1, 2');
const find = async (q, token) => (await gx.getOk(`/api/v1/customers?q=${encodeURIComponent(q)}`, { token })).items.map((c) => c.name);

test('reindex rebuilds missing terms and keys, as the engine writes them, per tenant, idempotently', async () => {
  const post = async (token, body) => {
    const r = await gx.post('/api/v1/customers?force=true', body, { token });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const zsf = await post(acme, { name: '張三豐', kind: 'person', mobile: '13800138000', email: 'zsf@example.com' });
  await post(acme, { name: '重庆百货有限公司', code: 'KH-2024-0015' });
  const gone = await post(acme, { name: '王老五', kind: 'person' });
  assert.equal((await gx.post('/api/v1/contacts', { customer_id: zsf.id, name: '欧阳娜娜', mobile: '13912345678' }, { token: acme })).status, 201);
  assert.equal((await gx.del(`/api/v1/customers/${gone.id}`, { token: acme, ifMatch: `"${gone.version}"` })).status, 204);
  await post(beta, { name: '李四光', kind: 'person' });
  const engineTerms = await terms();
  const engineKeys = await keys();
  assert.ok(engineTerms.split('\n').length > 40, 'the engine wrote terms');
  assert.deepEqual(await find('zsf', acme), ['張三豐']);

  // a bulk load writes rows without terms or keys; a stale term of the
  // deleted customer is left behind too
  await sqlite(gx.db, ON_PG ? 'DELETE FROM search_terms' : 'DELETE FROM search_fts');
  await sqlite(gx.db, 'UPDATE customers SET name_sort = NULL, name_key = NULL, phone_key = NULL, email_key = NULL');
  await sqlite(gx.db, ON_PG ? `INSERT INTO search_terms (tenant_id, entity, term, record_id) SELECT tenant_id, 'customers', 'wanglaowu', id FROM customers WHERE id = ${gone.id}`
    : `INSERT INTO search_fts (rowid, terms) SELECT c.id, t.search_tag || 'cwanglaowu' FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = ${gone.id}`);
  for (const q of ['zsf', '张三丰', 'zhangsanfeng', '8000', 'oyn', 'chongqing', 'kh-2024']) assert.deepEqual(await find(q, acme), [], q);

  // one tenant only
  const r = await gx.cli(['reindex', '--tenant', 'acme', '--db', gx.db, '--batch', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /reindex customers, tenant acme: 3 customers in/);
  assert.match(r.stdout, /reindexed 3 customers \(sort keys icu-/);
  for (const q of ['zsf', '张三丰', '張三', 'zhangsanfeng', '8000', '13800138000', 'zsf@example.com', 'oyn', '欧阳娜娜', '5678'])
    assert.deepEqual(await find(q, acme), ['張三豐'], q);
  assert.deepEqual(await find('chongqing', acme), ['重庆百货有限公司']);
  assert.deepEqual(await find('kh-2024', acme), ['重庆百货有限公司']);
  assert.deepEqual(await find('wanglaowu', acme), []);
  assert.deepEqual(await find('lsg', beta), [], 'beta was not reindexed');
  assert.equal(await sqlite(gx.db, ON_PG ? "SELECT count(*) FROM search_terms WHERE term = 'wanglaowu'"
    : "SELECT count(*) FROM search_vocab WHERE term GLOB '[0-9]*cwanglaowu'"), '0\n', 'a deleted customer keeps no terms');
  assert.equal(await sqlite(gx.db, 'SELECT count(*) FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = \'beta\' AND c.name_sort IS NOT NULL'), '0\n');
  const sorted = (await gx.getOk('/api/v1/customers?sort=name', { token: acme })).items.map((c) => c.name);
  assert.deepEqual(sorted, ['重庆百货有限公司', '張三豐'], 'pinyin order: chong < zhang');

  // every tenant: the same terms and keys as the engine's own writes
  const all = await gx.cli(['reindex', 'all', '--db', gx.db]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /reindexed 4 customers/);
  assert.deepEqual(await find('lsg', beta), ['李四光']);
  assert.equal(await terms(), engineTerms);
  assert.equal(await keys(), engineKeys);

  // again, and by contacts: nothing changes
  for (const what of ['customers', 'contacts']) {
    const again = await gx.cli(['reindex', what, '--db', gx.db]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await terms(), engineTerms, what);
    assert.equal(await keys(), engineKeys, what);
  }
  assert.match((await gx.cli(['reindex', 'contacts', '--tenant', 'acme', '--db', gx.db])).stdout, /reindexed 1 customers/);
  // --after: only the later ids
  const maxId = (await sqlite(gx.db, 'SELECT max(id) FROM customers')).trim();
  assert.match((await gx.cli(['reindex', '--after', maxId, '--db', gx.db])).stdout, /reindexed 0 customers/);
  assert.match((await gx.cli(['reindex', '--after', String(BigInt(maxId) - 1n), '--db', gx.db])).stdout, /reindexed 1 customers/);
});

test('reindex refuses bad arguments and unknown tenants, changing nothing', async () => {
  const before = await terms();
  for (const args of [['reindex', 'deals'], ['reindex', 'customers', 'more'], ['reindex', '--batch', '0'],
    ['reindex', '--batch', 'x'], ['reindex', '--batch', '1000001'], ['reindex', '--after', 'x'], ['reindex', '--after', '-1']]) {
    const r = await gx.cli([...args, '--db', gx.db]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /reindex \[customers\|contacts\|all\]/);
  }
  const r = await gx.cli(['reindex', '--tenant', 'nope', '--db', gx.db]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no tenant 'nope'/);
  assert.equal(await terms(), before);
});
