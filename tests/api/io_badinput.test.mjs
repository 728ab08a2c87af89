// io_badinput.test.mjs — what people really upload: truncated files, mixed
// encodings, binary junk, NUL bytes, duplicate headers, over-long lines,
// oversized bodies, and a server killed in the middle of an import. Clear
// row errors, nothing half-imported, the server stays up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Guanxi, assertProblem, sleep } from './harness.mjs';

const gx = new Guanxi({ flags: ['--body-max', String(8 << 20)] });
let tok;
const as = () => ({ token: tok });

before(async () => {
  await gx.setup();
  tok = (await gx.login()).token;
});
after(() => gx.stop());

async function importRaw(body, query = '', type = 'text/csv') {
  const r = await gx.post(`/api/v1/imports?wait=true${query ? '&' + query : ''}`, undefined,
    { ...as(), raw: body, contentType: type, timeout: 180_000 });
  assert.equal(r.status, 200, `${r.status} ${r.text.slice(0, 500)}`);
  return r.json;
}

const errorsOf = (b) => b.summary.errors.map((e) => ({ line: e.line, code: e.errors[0].code }));

test('a truncated file (an open quote at the end): that row is an error, the rest imports', async () => {
  const csv = '客户名称,备注\n截断测试甲,正常\n截断测试乙,"写到一半';
  const b = await importRaw(csv);
  assert.equal(b.summary.created, 1);
  assert.deepEqual(errorsOf(b), [{ line: 3, code: 'unterminated_quote' }]);
  const before = await gx.count('customers', as());
  const all = await importRaw(csv.replace('甲', '丙'), 'mode=all_or_nothing');
  assert.equal(all.status, 'failed');
  assert.equal(await gx.count('customers', as()), before, 'nothing half-imported');
});

test('mixed encodings: a GBK row in a UTF-8 file is reported on its line', async () => {
  // a UTF-8 file of some size with one row pasted in from a GBK one
  const gbk = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: Buffer.from('广州白云机场物流有限公司,广州') });
  const good = ['上海浦东发展贸易', '北京中关村软件', '深圳南山电子', '杭州西湖茶叶', '成都锦江餐饮', '武汉光谷激光', '南京玄武建材',
    '苏州园区精密', '厦门鼓浪屿旅游', '青岛啤酒城食品', '重庆火锅连锁', '西安古城文化'];
  const rows = (from, to) => good.slice(from, to).map((n) => `${n}有限公司,${n.slice(0, 2)}市,${n}的客户备注：长期合作伙伴\n`).join('');
  const body = Buffer.concat([Buffer.from('客户名称,城市,备注\n' + rows(0, 6)), gbk, Buffer.from(',\n' + rows(6, 12))]);
  const b = await importRaw(body);
  assert.equal(b.summary.encoding, 'UTF-8', 'one bad row does not make the whole file GBK');
  assert.equal(b.summary.created, 12);
  assert.deepEqual(errorsOf(b), [{ line: 8, code: 'encoding' }]);
});

test('binary junk, a spreadsheet renamed .csv and NUL bytes are refused clearly', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63fcffff3f0005fe02fea7d6a4b60000000049454e44ae426082', 'hex');
  const b = await importRaw(png);
  assert.equal(b.status, 'failed');
  assert.match(b.error, /not text/);
  const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]);
  const z = await importRaw(zip);
  assert.equal(z.status, 'failed');
  assert.match(z.error, /save it as CSV/);
  let noise = Buffer.alloc(4096);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 256;
  const n = await importRaw(noise);
  assert.equal(n.status, 'failed', JSON.stringify(n.summary));
  const nul = Buffer.from('客户名称,城市\n东方明珠,上海\n长城\0\0,北京\n南海渔村,深圳\n');
  const nb = await importRaw(nul);
  assert.equal(nb.summary.created, 2);
  assert.deepEqual(errorsOf(nb), [{ line: 3, code: 'binary' }]);
  await gx.assertHealthy('after junk');
});

test('duplicate header names: refused unless the mapping says which column is which', async () => {
  const csv = '客户名称,电话,电话\n重复表头公司,021-1111 2222,021-3333 4444\n';
  const b = await importRaw(csv);
  assert.equal(b.status, 'failed');
  assert.equal(b.summary.header_errors[0].code, 'duplicate_header');
  assert.match(b.error, /columns 2 and 3 are both '电话'/);
  const opts = JSON.stringify({ mapping: [{ column: 3, field: 'fax' }] });
  const r = await gx.post('/api/v1/imports?wait=true', undefined, {
    ...as(), contentType: 'multipart/form-data; boundary=B',
    raw: `--B\r\nContent-Disposition: form-data; name="options"\r\n\r\n${opts}\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="dup.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--B--\r\n`,
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.summary.created, 1, JSON.stringify(r.json.summary));
  const [c] = (await gx.getOk(`/api/v1/customers?filter[name]=${encodeURIComponent('重复表头公司')}`, as())).items;
  assert.equal(c.phone, '021-1111 2222');
  assert.equal(c.fax, '021-3333 4444');
  // two notes columns are joined: nothing is lost
  const j = await importRaw('客户名称,备注,备注\n两列备注公司,第一段,第二段\n');
  assert.equal(j.summary.created, 1);
  assert.equal((await gx.getOk(`/api/v1/customers?filter[name]=${encodeURIComponent('两列备注公司')}`, as())).items[0].notes, '第一段\n第二段');
});

test('empty, header-only, wrong type, bad options, oversized: clear answers', async () => {
  assertProblem(await gx.post('/api/v1/imports?wait=true', undefined, { ...as(), raw: '', contentType: 'text/csv' }), 400);
  assertProblem(await gx.post('/api/v1/imports?wait=true', undefined, { ...as(), raw: 'x', contentType: 'image/png' }), 415);
  assertProblem(await gx.post('/api/v1/imports?wait=true', { a: 1 }, as()), 415);
  const h = await importRaw('客户名称,电话\n');
  assert.equal(h.status, 'done');
  assert.equal(h.summary.rows, 0);
  const blank = await importRaw('\n\n  \n');
  assert.equal(blank.status, 'failed');
  assert.match(blank.error, /empty|header/);
  const p = assertProblem(await gx.post('/api/v1/imports?wait=true&mode=sometimes&key=nose', undefined, { ...as(), raw: 'a\n', contentType: 'text/csv' }), 422);
  assert.deepEqual(p.errors.map((e) => e.field).sort(), ['key', 'mode']);
  assertProblem(await gx.post('/api/v1/imports?wait=true&entity=deals', undefined, { ...as(), raw: 'a\n', contentType: 'text/csv' }), 422);
  assertProblem(await gx.post('/api/v1/imports?wait=true', undefined, { ...as(), raw: '--B\r\nbroken', contentType: 'multipart/form-data; boundary=B' }), 400);
  // over --body-max: 413 at once, from the claimed length (the CLI takes big files)
  const r = await gx.raw({ method: 'POST', path: '/api/v1/imports', headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'text/csv', 'Content-Length': String((8 << 20) + 1) }, body: 'name\n', timeout: 5000 });
  assert.equal(r.status, 413);
  await gx.assertHealthy();
});

test('a 2 MB line is one row error with bounded memory; the rows after it import', async () => {
  const body = Buffer.concat([Buffer.from('客户名称,备注\n长行前公司,好\n超长行公司,"'), Buffer.alloc(2 << 20, 'x'), Buffer.from('"\n长行后公司,好\n')]);
  const b = await importRaw(body);
  assert.equal(b.summary.created, 2, JSON.stringify(b.summary));
  assert.deepEqual(errorsOf(b), [{ line: 3, code: 'too_big' }]);
  // a value over the field's limit is the engine's error, row by row
  const long = await importRaw(`客户名称,邮编\n邮编太长公司,${'1'.repeat(40)}\n`);
  assert.equal(long.summary.errors[0].errors[0].code, 'too_long');
});

test('killed in the middle of an import: the database is as before, and the re-run imports everything', async () => {
  const before = await gx.count('customers', as());
  const words = '华联恒通鑫源永安长城东方金泰宏达瑞丰中兴百盛银河晨光天虹汇丰德昌行健朝阳新华海天明珠嘉禾福田锦江信达安泰广源同仁正大华夏';
  let csv = '客户编号,客户名称,手机\n';
  let s = 1;
  const r = () => { s = (s * 69069 + 1) % 4294967296; return Math.floor(s / 65536); };
  const N = 4000;
  for (let i = 0; i < N; i++) csv += `KILL-${i},${words[r() % 60]}${words[r() % 60]}${words[r() % 60]}${words[r() % 60]}中断测试公司,15${String(100000000 + i)}\n`;
  const res = await gx.post('/api/v1/imports', undefined, { ...as(), raw: csv, contentType: 'text/csv' });
  assert.equal(res.status, 202, res.text);
  const loc = res.headers.get('location');
  for (let i = 0; i < 600; i++) {
    const b = await gx.getOk(loc, as());
    if (b.status === 'running' && b.progress.rows >= 300) break;
    assert.ok(['queued', 'running'].includes(b.status), `finished before it could be killed: ${JSON.stringify(b.progress)}`);
    await sleep(50);
  }
  await gx.kill(); // SIGKILL
  await gx.start();
  tok = (await gx.login()).token;
  assert.equal(await gx.count('customers', as()), before, 'no row of the killed batch is in the database');
  assertProblem(await gx.get(loc, as()), 404, 'the batch never committed');
  const list = await gx.getOk('/api/v1/imports?limit=200', as());
  assert.ok(!list.items.some((b) => `/api/v1/imports/${b.id}` === loc));
  const again = await importRaw(csv, 'duplicates=create');
  assert.equal(again.summary.created, N);
  assert.equal(await gx.count('customers', as()), before + N);
  const twice = await importRaw(csv, 'duplicates=create');
  assert.equal(twice.summary.unchanged, N, 're-running it creates no duplicates');
  assert.equal(await gx.count('customers', as()), before + N);
});
