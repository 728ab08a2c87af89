// io_cli.test.mjs — the command line: `guanxi import customers FILE` with
// its progress and summary, undo and the error file, `guanxi export`, and
// the exit door: `export --all DIR` (JSON Lines + manifest with SHA-256)
// loaded by `import --all DIR` into an empty database, then exported again
// byte for byte the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Guanxi, sqlite } from './harness.mjs';

const gx = new Guanxi({ tenants: [{ slug: 'beta', name: 'Beta 公司' }] });
let dir;
let tok;

before(async () => {
  await gx.setup();
  tok = (await gx.login()).token;
  dir = mkdtempSync(join(tmpdir(), 'gx-io-cli-'));
});
after(async () => {
  await gx.stop();
  if (dir && !process.env.GX_KEEP) rmSync(dir, { recursive: true, force: true });
});

const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('import customers FILE: progress on stderr, a summary, row errors to a file, undo', async () => {
  const file = join(dir, 'kunden.csv');
  writeFileSync(file, '客户编号,客户名称,手机,信用额度\nCLI-1,东方明珠贸易公司,13800001111,"1,000"\nCLI-2,长江航运物流,bad-phone,2000\nCLI-3,黄山旅游开发,13800003333,3000\n');
  const r = await gx.cli(['import', 'customers', file, '--db', gx.db, '--tenant', 'acme', '--errors', join(dir, 'errors.csv')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /guanxi import: 3 rows \(100%\), 2 created, 0 updated, 1 failed/);
  assert.match(r.stdout, /rows 3: 2 created, 0 updated, 0 unchanged, 1 failed/);
  assert.match(r.stdout, /encoding UTF-8 .* delimiter ',', matched by code/);
  assert.match(r.stdout, /column 1 客户编号 +-> code \(label\)/);
  const batch = /import (\d+) of/.exec(r.stdout)[1];
  assert.match(r.stdout, new RegExp(`to undo: guanxi import undo ${batch}`));
  const errs = readFileSync(join(dir, 'errors.csv'), 'utf8');
  assert.match(errs, /^\uFEFFimport_line,import_errors,客户编号,客户名称,手机,信用额度\r\n3,mobile: mobile is not a phone number,CLI-2,长江航运物流,bad-phone,2000\r\n$/);
  const list = await gx.getOk('/api/v1/customers?filter[code][in]=CLI-1,CLI-3', { token: tok });
  assert.equal(list.items.length, 2);
  assert.equal(list.items.find((c) => c.code === 'CLI-1').credit_limit, 100000);
  // the batch shows in the API like any other
  const b = await gx.getOk(`/api/v1/imports/${batch}`, { token: tok });
  assert.equal(b.status, 'done');
  const u = await gx.cli(['import', 'undo', batch, '--db', gx.db, '--tenant', 'acme']);
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, /undone: 2 records deleted/);
  assert.equal((await gx.getOk('/api/v1/customers?filter[code][in]=CLI-1,CLI-3', { token: tok })).items.length, 0);
  // all or nothing: a bad row fails the command, nothing written
  const a = await gx.cli(['import', 'customers', file, '--db', gx.db, '--tenant', 'acme', '--mode', 'all_or_nothing']);
  assert.equal(a.code, 2);
  assert.match(a.stdout, /failed/);
  assert.match(a.stderr, /nothing was imported/);
  // a GBK file, named encoding
  const gbk = join(dir, 'gbk.csv');
  writeFileSync(gbk, execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: Buffer.from('请求编号,客户名称\nGBK-1,中文公司\n') }));
  const g = await gx.cli(['import', 'customers', gbk, '--db', gx.db, '--tenant', 'acme', '--encoding', 'gbk', '--map', '请求编号=code', '--dry-run']);
  assert.equal(g.code, 0, g.stderr + g.stdout);
  assert.match(g.stdout, /dry_run/);
  assert.match(g.stdout, /rows 1: 1 created/);
});

test('export ENTITY FILE: CSV with --query, XLSX, vCard, iCalendar', async () => {
  const file = join(dir, 'c.csv');
  writeFileSync(file, 'Customer code,Name,City,Status\nQ-1,Query Alpha,Hangzhou,customer\nQ-2,Query Beta,Ningbo,lead\n');
  assert.equal((await gx.cli(['import', 'customers', file, '--db', gx.db, '--tenant', 'acme'])).code, 0);
  const out = join(dir, 'out.csv');
  const r = await gx.cli(['export', 'customers', out, '--db', gx.db, '--tenant', 'acme', '--lang', 'en', '--bom',
    '--columns', 'code,name,city', '--query', 'filter[status]=customer&filter[code][in]=Q-1,Q-2&sort=-name']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), '\uFEFFCustomer code,Name,City\r\nQ-1,Query Alpha,Hangzhou\r\n');
  const x = join(dir, 'out.xlsx');
  assert.equal((await gx.cli(['export', 'customers', x, '--db', gx.db, '--tenant', 'acme'])).code, 0);
  assert.equal(readFileSync(x).subarray(0, 2).toString(), 'PK');
  const bad = await gx.cli(['export', 'customers', join(dir, 'x.vcf'), '--db', gx.db, '--tenant', 'acme']);
  assert.notEqual(bad.code, 0, 'vCard is for contacts');
  assert.equal((await gx.cli(['export', 'contacts', join(dir, 'x.vcf'), '--db', gx.db, '--tenant', 'acme'])).code, 0);
  assert.equal((await gx.cli(['export', 'activities', join(dir, 'x.ics'), '--db', gx.db, '--tenant', 'acme'])).code, 0);
  assert.match(readFileSync(join(dir, 'x.ics'), 'utf8'), /^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
});

test('export --all DIR and import --all DIR into an empty database: the same data, byte for byte', async () => {
  // something in every corner: two tenants, custom fields, history, an import batch
  await gx.create('custom-fields', { entity: 'customers', name: 'grade', type: 'option', label_zh_cn: '等级', options: ['A', 'B'] }, { token: tok });
  const c = await gx.create('customers', { name: '出口测试公司', city: '上海', custom: { grade: 'A' } }, { token: tok });
  await gx.patch(`/api/v1/customers/${c.id}`, { city: '苏州' }, { token: tok, ifMatch: `"${c.version}"` });
  await gx.create('contacts', { customer_id: c.id, name: '导出联系人', birthday: '1990-01-02' }, { token: tok });
  const beta = (await gx.login('admin', undefined, 'beta').catch(() => null));
  assert.equal(beta, null, 'beta has no admin yet: data of the first tenant only there, fine');
  const d1 = join(dir, 'dump1');
  const e = await gx.cli(['export', '--all', d1, '--db', gx.db]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /exported \d+ tables, \d+ rows to/);
  const m = JSON.parse(readFileSync(join(d1, 'manifest.json'), 'utf8'));
  assert.equal(m.format, 'guanxi-export');
  assert.ok(m.schema_version >= 5);
  assert.deepEqual(m.tenants.map((x) => x.slug).sort(), ['acme', 'beta']);
  const names = m.tables.map((x) => x.name);
  for (const want of ['tenants', 'users', 'customers', 'contacts', 'custom_values', 'field_history', 'audit_log', 'import_batches']) {
    assert.ok(names.includes(want), `${want} exported`);
  }
  // the search index is derived: not exported, rebuilt by import --all
  assert.ok(!names.includes('search_terms') && !names.includes('search_fts'), 'the search index is not exported');
  assert.ok(!names.includes('sessions'), 'login sessions are not carried');
  for (const tb of m.tables) {
    const f = join(d1, tb.file);
    assert.equal(sha(f), tb.sha256, `${tb.file} checksum`);
    const lines = readFileSync(f, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, tb.rows, `${tb.file} rows`);
    for (const l of lines.slice(0, 3)) assert.deepEqual(Object.keys(JSON.parse(l)), tb.columns);
  }
  const cust = m.tables.find((x) => x.name === 'customers');
  assert.equal(cust.rows, Number((await sqlite(gx.db, 'SELECT count(*) FROM customers')).trim()));
  // load into a new database
  const db2 = join(dir, 'new.db');
  const i = await gx.cli(['import', '--all', d1, '--db', db2]);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, new RegExp(`loaded ${m.tables.length} tables, ${m.rows} rows`));
  for (const tb of m.tables) {
    const n = Number((await sqlite(db2, `SELECT count(*) FROM ${tb.name}`)).trim());
    assert.equal(n, tb.rows, `${tb.name} count in the new database`);
  }
  // and export it again: every file identical
  const d2 = join(dir, 'dump2');
  assert.equal((await gx.cli(['export', '--all', d2, '--db', db2])).code, 0);
  const m2 = JSON.parse(readFileSync(join(d2, 'manifest.json'), 'utf8'));
  assert.deepEqual(m2.tables.map((x) => [x.name, x.rows, x.sha256]), m.tables.map((x) => [x.name, x.rows, x.sha256]));
  // the admin's password hash came along: the new database serves the same users
  const pw = (await sqlite(db2, "SELECT password_hash FROM users WHERE username = 'admin'")).trim();
  assert.equal(pw, (await sqlite(gx.db, "SELECT password_hash FROM users WHERE username = 'admin' AND tenant_id = (SELECT id FROM tenants WHERE slug = 'acme')")).trim());
});

test('import --all refuses a database with data, and a damaged export, leaving the database as it was', async () => {
  const d1 = join(dir, 'dump1');
  const again = await gx.cli(['import', '--all', d1, '--db', join(dir, 'new.db')]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already holds data/);
  const d3 = join(dir, 'dump3');
  assert.equal((await gx.cli(['export', '--all', d3, '--db', gx.db])).code, 0);
  const e2 = await gx.cli(['export', '--all', d3, '--db', gx.db]);
  assert.notEqual(e2.code, 0, 'an export does not overwrite one');
  appendFileSync(join(d3, 'customers.jsonl'), '{"tenant_id":1}\n');
  const db4 = join(dir, 'damaged.db');
  const r = await gx.cli(['import', '--all', d3, '--db', db4]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /customers\.jsonl|does not match|not a row/);
  assert.equal((await sqlite(db4, 'SELECT count(*) FROM tenants')).trim(), '0', 'nothing loaded');
  assert.ok(existsSync(db4));
  const files = readdirSync(d3);
  assert.ok(files.includes('manifest.json'));
});

test('import --all of an export made before search tags (schema < 12): every tenant gets one, the index is built with it', async () => {
  const d5 = join(dir, 'dump5');
  assert.equal((await gx.cli(['export', '--all', d5, '--db', gx.db])).code, 0);
  // as an older version wrote it: tenants without the search_tag column
  const m = JSON.parse(readFileSync(join(d5, 'manifest.json'), 'utf8'));
  const tb = m.tables.find((x) => x.name === 'tenants');
  assert.ok(tb.columns.includes('search_tag'));
  const rows = readFileSync(join(d5, tb.file), 'utf8').split('\n').filter(Boolean).map((l) => {
    const o = JSON.parse(l);
    delete o.search_tag;
    return JSON.stringify(o);
  });
  writeFileSync(join(d5, tb.file), rows.join('\n') + '\n');
  tb.columns = tb.columns.filter((c) => c !== 'search_tag');
  tb.sha256 = sha(join(d5, tb.file));
  tb.bytes = readFileSync(join(d5, tb.file)).length;
  writeFileSync(join(d5, 'manifest.json'), JSON.stringify(m));
  const db5 = join(dir, 'old-export.db');
  const r = await gx.cli(['import', '--all', d5, '--db', db5]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await sqlite(db5, 'SELECT count(*), count(DISTINCT search_tag) FROM tenants WHERE search_tag > 0')).trim(), '2|2');
  // a customer's full name is one of its tokens, headed by its tenant's tag
  // (出口测试公司 was made by the export test above)
  assert.equal((await sqlite(db5, "SELECT count(*) FROM search_vocab WHERE term = (SELECT search_tag FROM tenants WHERE slug = 'acme') || 'c' || '出口测试公司'")).trim(), '1');
});
