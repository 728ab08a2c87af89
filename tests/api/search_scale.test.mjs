// search_scale.test.mjs — the ranked search past its caps (list.c,
// ranked_search): conditions with more rows than it reads whole (2000),
// prefixes with many distinct terms, several conditions, filters,
// visibility and deleted records. 3000 customers and their terms are
// written with SQL (the terms are made up, so the expected answer is
// known), and every answer is checked against a brute-force one: the
// newest 60 visible matches, newest first (all rank the same here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Guanxi, sqlite, ON_PG } from './harness.mjs';

const gx = new Guanxi({ users: [{ name: 'rep', role: 'sales' }] });
const N = 3000, BASE = 7000000, WINDOW = 60;
let admin, rep;

// the made-up terms of record i (1..N)
const termsOf = (i) => {
  const t = [`qa${i % 100}`, `qe`];
  if (i % 3 === 0) t.push(`qb${i % 7}`);
  if (i % 2 === 0) t.push('qc');
  if (i % 4 !== 0) t.push(`qd${i % 5}`);
  t.push(i % 31 === 0 && i > 1500 ? 'qf1' : i > 2000 ? 'qf0' : 'qf2'); // qf1: few, spread; qf0: the newest
  return t;
};
const deleted = (i) => i % 50 === 0;
const inPool = (i) => i % 2 === 1;
const status = (i) => (i % 3 === 1 ? 'customer' : 'lead');

before(async () => {
  await gx.setup();
  admin = (await gx.login()).token;
  rep = (await gx.login('rep')).token;
  const tid = (await sqlite(gx.db, "SELECT id FROM tenants WHERE slug = 'acme'")).trim();
  const seq = `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${N})`;
  await sqlite(gx.db, `${seq} INSERT INTO customers (tenant_id, id, code, name, status, in_pool, deleted_at, created_at, updated_at)
    SELECT ${tid}, ${BASE} + i, 'SC' || i, 'Scale ' || i, CASE WHEN i % 3 = 1 THEN 'customer' ELSE 'lead' END,
      CASE WHEN i % 2 = 1 THEN 1 ELSE 0 END, CASE WHEN i % 50 = 0 THEN '2026-01-01T00:00:00.000Z' ELSE NULL END,
      '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM s`);
  if (!ON_PG) {
    // SQLite (migrations 0011, 0012): one FTS5 document per record, its
    // tokens '<tag>c<term>' separated by U+001F
    const tag = (await sqlite(gx.db, "SELECT search_tag FROM tenants WHERE slug = 'acme'")).trim();
    const tok = (cond, term) => `CASE WHEN ${cond} THEN char(31) || '${tag}c' || ${term} ELSE '' END`;
    await sqlite(gx.db, `${seq} INSERT INTO search_fts (rowid, terms) SELECT ${BASE} + i, '${tag}cqa' || (i % 100)
      || ${tok('1 = 1', "'qe'")} || ${tok('i % 3 = 0', "'qb' || (i % 7)")} || ${tok('i % 2 = 0', "'qc'")}
      || ${tok('i % 4 <> 0', "'qd' || (i % 5)")} || ${tok('i % 31 = 0 AND i > 1500', "'qf1'")}
      || ${tok('NOT (i % 31 = 0 AND i > 1500) AND i > 2000', "'qf0'")}
      || ${tok('NOT (i % 31 = 0 AND i > 1500) AND i <= 2000', "'qf2'")} FROM s`);
    return;
  }
  const rows = (cond, term) => `${seq} INSERT INTO search_terms (tenant_id, entity, term, record_id)
    SELECT ${tid}, 'customers', ${term}, ${BASE} + i FROM s WHERE ${cond}`;
  await sqlite(gx.db, rows('1 = 1', "'qa' || (i % 100)"));
  await sqlite(gx.db, rows('1 = 1', "'qe'"));
  await sqlite(gx.db, rows('i % 3 = 0', "'qb' || (i % 7)"));
  await sqlite(gx.db, rows('i % 2 = 0', "'qc'"));
  await sqlite(gx.db, rows('i % 4 <> 0', "'qd' || (i % 5)"));
  await sqlite(gx.db, rows('i % 31 = 0 AND i > 1500', "'qf1'"));
  await sqlite(gx.db, rows('NOT (i % 31 = 0 AND i > 1500) AND i > 2000', "'qf0'"));
  await sqlite(gx.db, rows('NOT (i % 31 = 0 AND i > 1500) AND i <= 2000', "'qf2'"));
});
after(() => gx.stop());

const ids = async (qs, token) => {
  const page = await gx.getOk(`/api/v1/customers?limit=200&${qs}`, { token });
  return page.items.map((c) => c.id - BASE);
};
// the newest WINDOW records whose terms satisfy every prefix; then, for a
// plain search (filtered: false), the records among the first 20 (by id)
// with a term equal to the whole query that are visible and not in yet
const expected = (prefixes, keep = () => true, filtered = false) => {
  const out = [];
  for (let i = N; i >= 1 && out.length < WINDOW; i--) {
    if (deleted(i) || !keep(i)) continue;
    if (prefixes.every((p) => termsOf(i).some((t) => t.startsWith(p)))) out.push(i);
  }
  if (!filtered && prefixes.length === 1) {
    const exact = [];
    for (let i = 1; i <= N && exact.length < 20; i++) if (termsOf(i).includes(prefixes[0])) exact.push(i);
    for (const i of exact) if (!deleted(i) && keep(i) && !out.includes(i)) out.push(i);
  }
  return out;
};

test('broad and narrow conditions, alone and together, give the newest matches', async () => {
  for (const q of ['qe', 'qd', 'qd1', 'qc', 'qb', 'qb3', 'qd qb', 'qb qd', 'qd qe', 'qc qd', 'qe qc qd2', 'qb qc qd qe']) {
    const words = q.split(' ');
    assert.deepEqual(await ids(`q=${encodeURIComponent(q)}`, admin), expected(words), q);
  }
  // more than the newest window: none when nothing matches all
  assert.deepEqual(await ids('q=qb%20qzz', admin), []);
  assert.deepEqual(await ids('q=qzz%20qd', admin), []);
});

test('filters and visibility apply to the newest matches', async () => {
  assert.deepEqual(await ids('q=qd&filter[status]=customer', admin), expected(['qd'], (i) => status(i) === 'customer', true));
  assert.deepEqual(await ids('q=qe%20qc&filter[status]=customer', admin), expected(['qe', 'qc'], (i) => status(i) === 'customer', true));
  // merged terms of very different age: the old ones come after the new
  for (const st of ['customer', 'lead'])
    assert.deepEqual(await ids(`q=qf&filter[status]=${st}`, admin), expected(['qf'], (i) => status(i) === st, true));
  assert.deepEqual(await ids('q=qf%20qb', admin), expected(['qf', 'qb']));
  // a sales rep sees the pool (odd i) and nothing of the others
  assert.deepEqual(await ids('q=qd', rep), expected(['qd'], inPool));
  assert.deepEqual(await ids('q=qd%20qb', rep), expected(['qd', 'qb'], inPool));
  // qc is on even records only, none in the pool
  assert.deepEqual(await ids('q=qc', rep), []);
  // two broad conditions and few passing rows (1 in 6): past a few batches
  // both are read whole and the merged one continues from its whole read
  assert.deepEqual(await ids('q=qe%20qd&filter[status]=customer', rep),
    expected(['qe', 'qd'], (i) => inPool(i) && status(i) === 'customer', true));
  assert.deepEqual(await ids('q=qd%20qf&filter[status]=customer', rep),
    expected(['qd', 'qf'], (i) => inPool(i) && status(i) === 'customer', true));
});

test('a prefix with more distinct terms than are merged answers true matches, newest first', async () => {
  const got = await ids('q=qa', admin);
  assert.equal(got.length, WINDOW);
  for (const i of got) assert.ok(!deleted(i) && termsOf(i).some((t) => t.startsWith('qa')), `${i}`);
  assert.deepEqual(got, [...got].sort((a, b) => b - a));
  // with a second condition every answer still satisfies both
  const both = await ids('q=qa%20qb', admin);
  assert.deepEqual(both, expected(['qa', 'qb']), 'qb drives: every qa term is checked');
});

test('a sorted or paged search still lists every match', async () => {
  let cursor = '', seen = 0, pages = 0;
  for (;;) {
    const page = await gx.getOk(`/api/v1/customers?q=qb3&sort=code&limit=50${cursor}`, { token: admin });
    seen += page.items.length;
    pages++;
    if (!page.next_cursor) break;
    cursor = `&cursor=${page.next_cursor}`;
  }
  let want = 0;
  for (let i = 1; i <= N; i++) if (!deleted(i) && termsOf(i).includes('qb3')) want++;
  assert.equal(seen, want);
  assert.ok(pages > 1);
});
