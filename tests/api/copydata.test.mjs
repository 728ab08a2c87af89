// copydata.test.mjs — `guanxi copy-data --from A --to B`: a demo database
// round-trips SQLite → PostgreSQL → SQLite (when GX_TEST_PG_URL is set;
// SQLite → SQLite otherwise) and every table comes back identical, row by row
// and value by value (types included); a target that holds rows is refused
// and left as it was unless --force.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, ON_PG, PG_URL, assertNoSanitizerReport, runCli, sqlite } from './harness.mjs';

let dir, a, b, pg, schema;
let failed = false;

/** Runs the CLI, asserts no sanitizer report; resolves {code, stdout, stderr}. */
async function cli(args) {
  const r = await runCli(args, { timeout: 180_000 });
  assertNoSanitizerReport(r.stderr, `guanxi ${args[0]}`);
  return r;
}
async function cliOk(args) {
  const r = await cli(args);
  assert.equal(r.code, 0, `guanxi ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** sqlite3 -quote: values as SQL literals ('text', 12, NULL). */
function quoted(file, sql) {
  return new Promise((ok, fail) => {
    execFile('sqlite3', ['-quote', file, sql], { timeout: 30_000, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`sqlite3 -quote ${file} "${sql}": ${stderr || err.message}`));
      else ok(String(stdout));
    });
  });
}

/** Every table of a SQLite file (but schema_migrations), each row quoted
 * (type-exact: 1 and '1' differ) and the rows sorted by every column. The
 * search index (FTS5's tables, migration 0011) is not copied but rebuilt
 * on the target: it is compared as the documents of the live customers. */
async function tables(file) {
  const names = (await sqlite(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' "
    + "AND name NOT LIKE 'search!_fts%' ESCAPE '!' AND name <> 'search_vocab' ORDER BY name"))
    .trim().split('\n').filter(Boolean);
  const out = {};
  for (const t of names) {
    const ncols = (await sqlite(file, `SELECT count(*) FROM pragma_table_info('${t}')`)).trim();
    const order = Array.from({ length: Number(ncols) }, (_, i) => i + 1).join(', ');
    out[t] = await quoted(file, `SELECT * FROM "${t}" ORDER BY ${order}`);
  }
  out.search_index = await quoted(file, 'SELECT rowid, terms FROM search_fts WHERE rowid IN '
    + '(SELECT id FROM customers WHERE deleted_at IS NULL) ORDER BY 1');
  return out;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gx-copy-'));
  a = join(dir, 'a.db');
  b = join(dir, 'b.db');
  if (ON_PG) {
    schema = `gxcopy_${process.pid}_${randomBytes(4).toString('hex')}`;
    pg = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
  }
  await cliOk(['init', '--db', a, '--admin-password', ADMIN_PASSWORD, '--tenant', 'acme', '--tenant-name', 'Acme 公司']);
  await cliOk(['tenant', 'add', 'beta', '--name', '贝塔 Beta', '--db', a]);
  await cliOk(['demo', '--db', a, '--tenant', 'acme', '--customers', '120']);
  await cliOk(['demo', '--db', a, '--tenant', 'beta', '--customers', '40', '--light']);
  // a soft-deleted record, NULLs, quotes and odd text survive the trip
  await sqlite(a, "UPDATE customers SET deleted_at = '2026-01-02T03:04:05.678Z', notes = 'it''s \"quoted\"\n多行 ? $1 \\ end' WHERE id = (SELECT min(id) FROM customers)");
});

after(async () => {
  if (!failed && !process.env.GX_KEEP) {
    rmSync(dir, { recursive: true, force: true });
    if (schema) await sqlite(PG_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  } else {
    console.log(`# kept ${dir}${schema ? ` and schema ${schema}` : ''}`);
  }
});

test(`a demo database round-trips ${ON_PG ? 'SQLite → PostgreSQL → SQLite' : 'SQLite → SQLite'} with every table identical`, { timeout: 600_000 }, async () => {
  try {
    const mid = ON_PG ? pg : join(dir, 'mid.db');
    const there = await cliOk(['copy-data', '--from', a, '--to', mid]);
    assert.match(there, /row counts and checksums match/);
    assert.ok(!there.includes(PG_URL.replace(/^.*:\/\/[^:]*:([^@]*)@.*$/, '$1')) || !ON_PG, 'the password is printed');
    assert.match(await cliOk(['check', '--db', mid]), /integrity check: ok/);
    // small batches: the keyset walk crosses many pages, composite text keys included
    const back = await cliOk(['copy-data', '--from', mid, '--to', b, '--batch', '7']);
    assert.match(back, /row counts and checksums match/);
    // the per-table checksums agree in both directions
    const sums = (out) => Object.fromEntries(out.split('\n').filter((l) => / ok$/.test(l)).map((l) => l.split(/\s+/).slice(0, 3)).map(([t, n, h]) => [t, `${n} ${h}`]));
    assert.deepEqual(sums(back), sums(there));
    assert.ok(Number(sums(there).customers.split(' ')[0]) === 160, `customers: ${sums(there).customers}`);
    const before = await tables(a), after = await tables(b);
    assert.deepEqual(Object.keys(after), Object.keys(before), 'the tables differ');
    for (const t of Object.keys(before)) assert.equal(after[t], before[t], `table ${t} differs after the round trip`);
    assert.match(await cliOk(['check', '--db', b]), /integrity check: ok/);
  } catch (e) {
    failed = true;
    throw e;
  }
});

test('a target that holds rows is refused and left as it was; --force replaces its rows', async () => {
  try {
    const before = await tables(b);
    await cliOk(['user', 'add', 'extra', '--role', 'sales', '--password', 'Extra-pass-2026', '--tenant', 'acme', '--db', a]);
    const r = await cli(['copy-data', '--from', a, '--to', b]);
    assert.notEqual(r.code, 0, `a non-empty target was accepted: ${r.stdout}`);
    assert.match(r.stderr, /not empty.*--force/s);
    assert.deepEqual(await tables(b), before, 'a refused copy changed the target');
    if (ON_PG) {
      const count = () => sqlite(pg, 'SELECT count(*) FROM users');
      const users = await count();
      const p = await cli(['copy-data', '--from', a, '--to', pg]);
      assert.notEqual(p.code, 0, `a non-empty PostgreSQL target was accepted: ${p.stdout}`);
      assert.match(p.stderr, /not empty/);
      assert.equal(await count(), users, 'a refused copy changed the PostgreSQL target');
    }
    const same = await cli(['copy-data', '--from', b, '--to', b]);
    assert.notEqual(same.code, 0, 'copying a database onto itself was accepted');
    const missing = await cli(['copy-data', '--from', join(dir, 'no-such.db'), '--to', join(dir, 'c.db')]);
    assert.notEqual(missing.code, 0, 'copying from a missing database was accepted');
    assert.match(await cliOk(['copy-data', '--from', a, '--to', b, '--force']), /row counts and checksums match/);
    assert.deepEqual(await tables(b), await tables(a), 'the forced copy differs from the source');
  } catch (e) {
    failed = true;
    throw e;
  }
});
