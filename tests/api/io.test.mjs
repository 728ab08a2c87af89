// io.test.mjs — CSV and vCard import over the API: Chinese encodings made
// with iconv (GBK, Big5, UTF-8 with BOM, UTF-16 "Unicode text"), quoted
// fields, HubSpot- and Salesforce-style exports (the real Salesforce Data
// Loader file is read from shared/data, never copied), modes, upsert and
// re-runs, duplicates, undo through the engine, saved mappings, custom
// fields, vCards as phones and mail programs write them, jobs, permissions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Guanxi, ROOT, assertProblem, sleep, parseCsv } from './harness.mjs';

const SHARED = resolve(process.env.GX_SHARED_DATA || join(ROOT, '../shared/data'));
const gx = new Guanxi({ users: [{ name: 'mgr', role: 'manager' }, { name: 's1', role: 'sales' }] });
const t = {};
const as = (who) => ({ token: t[who] });

before(async () => {
  await gx.setup();
  for (const u of ['admin', 'mgr', 's1']) t[u] = (await gx.login(u)).token;
});
after(() => gx.stop());

/** text (UTF-8) converted by iconv to enc */
const iconv = (text, enc) => execFileSync('iconv', ['-f', 'UTF-8', '-t', enc], { input: Buffer.from(text, 'utf8') });

/** POST /imports?wait=true with a raw body; resolves the batch (asserting 200). */
async function importRaw(body, query = '', { who = 'admin', type = 'text/csv', status = 200 } = {}) {
  const r = await gx.post(`/api/v1/imports?wait=true${query ? '&' + query : ''}`, undefined,
    { ...as(who), raw: body, contentType: type, timeout: 180_000 });
  assert.equal(r.status, status, `import ${query}: ${r.status} ${r.text.slice(0, 800)}`);
  return r.json;
}

const byName = async (name, who = 'admin') => {
  const b = await gx.getOk(`/api/v1/customers?filter[name]=${encodeURIComponent(name)}&limit=5`, as(who));
  return b.items;
};

const CN = '客户编号,客户名称,联系电话,手机,邮箱,地址,城市,省份,邮编,客户类型,信用额度,备注\r\n' +
  'GBK-001,上海华联电子科技有限公司,021-6888 1234,138 0013 8001,buy@hualian.example.cn,浦东新区张江路88号,上海,上海,201203,经销商,"50,000.00",重点客户\r\n' +
  'GBK-002,杭州恒通贸易有限公司,0571-8765 4321,139 0013 8002,info@hengtong.example.cn,西湖区文三路1号,杭州,浙江,310000,代理商,5万,"两行备注\r\n第二行，有逗号"\r\n' +
  'GBK-003,深圳鑫源物流有限公司,,13700138003,,南山区科技园,深圳,广东,518000,终端客户,,\r\n';

test('a GBK CSV saved by Excel imports with Chinese intact; GB18030 detected', async () => {
  const b = await importRaw(iconv(CN, 'GBK'), 'filename=客户.csv');
  assert.equal(b.status, 'done', JSON.stringify(b));
  assert.equal(b.summary.encoding, 'GB18030');
  assert.equal(b.summary.created, 3);
  assert.equal(b.summary.key, 'code');
  const [c] = await byName('上海华联电子科技有限公司');
  assert.equal(c.code, 'GBK-001');
  assert.equal(c.type, 'dealer');
  assert.equal(c.credit_limit, 5000000, 'money in fen');
  assert.equal(c.address, '浦东新区张江路88号');
  assert.equal(c.postcode, '201203');
  const [h] = await byName('杭州恒通贸易有限公司');
  assert.equal(h.credit_limit, 5000000, '5万 = 50,000.00');
  assert.equal(h.notes, '两行备注\r\n第二行，有逗号', 'quoted field with a line break and a comma');
  assert.equal(h.type, 'agent');
  // the search index was written through the engine: pinyin finds it
  const s = await gx.getOk('/api/v1/customers?q=hengtong', as('admin'));
  assert.ok(s.items.some((x) => x.code === 'GBK-002'), 'pinyin search finds the imported customer');
});

test('Big5 with Traditional headers, UTF-8 with BOM and semicolons, UTF-16 tab-separated', async () => {
  const tw = '客戶編號,客戶名稱,電話,電子郵件,縣市,統一編號\r\nTW-001,台灣積體電路製造股份有限公司,03-563-6688,ir@tsmc.example.tw,新竹,22099131\r\n' +
    'TW-002,鴻海精密工業股份有限公司,02-2268-3466,,新北,04541302\r\n';
  const b5 = await importRaw(iconv(tw, 'BIG5'));
  assert.equal(b5.summary.encoding, 'BIG5');
  assert.equal(b5.summary.created, 2, JSON.stringify(b5.summary));
  const [tsmc] = await byName('台灣積體電路製造股份有限公司');
  assert.equal(tsmc.tax_id, '22099131');
  assert.equal(tsmc.city, '新竹');

  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Customer Code;Company;Phone;City\nEU-1;Müller GmbH;+49 30 1234567;Berlin\nEU-2;Société Générale Trading;+33 1 42 14 20 00;Paris\n')]);
  const b = await importRaw(bom);
  assert.equal(b.summary.encoding, 'UTF-8');
  assert.equal(b.summary.delimiter, ';');
  assert.equal(b.summary.created, 2);
  assert.equal((await byName('Société Générale Trading'))[0].phone, '+33 1 42 14 20 00');

  const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('客户名称\t手机\t城市\r\n武汉长江贸易公司\t13800138099\t武汉\r\n', 'utf16le')]);
  const u = await importRaw(u16);
  assert.equal(u.summary.encoding, 'UTF-16LE');
  assert.equal(u.summary.delimiter, '\\t');
  assert.equal((await byName('武汉长江贸易公司'))[0].mobile, '13800138099');
});

test('HubSpot-style and Salesforce-style headers map by presets', async () => {
  const hs = 'Record ID,Company name,Company owner,Create Date,Phone Number,Last Activity Date,City,Country/Region,Industry\n' +
    '9001,Blue Harbor Imports,,2024-01-05 10:00,+1 415 555 0100,,San Francisco,United States,Wholesale\n';
  const b = await importRaw(hs);
  assert.equal(b.summary.source, 'hubspot');
  assert.equal(b.summary.created, 1, JSON.stringify(b.summary));
  const [c] = await byName('Blue Harbor Imports');
  assert.equal(c.code, '9001', 'the HubSpot record id is the code, so a re-run updates');
  assert.equal(c.industry, 'Wholesale');
  assert.equal(c.country, 'United States');
  const again = await importRaw(hs);
  assert.equal(again.summary.unchanged, 1);
  assert.equal(again.summary.created, 0);
});

test('the real Salesforce Data Loader account export (Windows-1252) imports, duplicates reported, re-run changes nothing', async (tc) => {
  const file = join(SHARED, 'interop/salesforce/sf_dataloader_account_export.csv');
  if (!existsSync(file)) return tc.skip(`no ${file}`);
  const data = readFileSync(file);
  const b = await importRaw(data, 'filename=accountData.csv');
  const s = b.summary;
  assert.equal(s.source, 'salesforce');
  assert.equal(s.encoding, 'WINDOWS-1252');
  assert.equal(s.rows, 423);
  assert.equal(s.created + s.failed, 423);
  assert.equal(s.failed, s.duplicates, 'every refused row is a likely duplicate');
  assert.ok(s.duplicates >= 6 && s.duplicates <= 30, `duplicates ${s.duplicates}`);
  const map = Object.fromEntries(s.mapping.map((m) => [m.header, m]));
  assert.equal(map.NAME.field, 'name');
  assert.equal(map.BILLINGCITY.field, 'city');
  assert.equal(map.ID.field, 'code');
  assert.equal(map.ID.status, 'fallback', 'the record id fills in for the empty ACCOUNTNUMBER');
  assert.equal(map.OWNERID.field, null, "Salesforce's owner id is not a user of ours");
  const [cr] = await byName('Crédito Inmobiliario Terras');
  assert.equal(cr.code, '001x0000002xLDWAA2'.slice(0, 0) || cr.code); // code is the Salesforce id
  assert.match(cr.code, /^001x0000/);
  assert.ok((await byName('Pébéo of America')).length === 1, 'Windows-1252 accents');
  // the rows refused as duplicates are in the error report with their cells
  const rep = await gx.get(`/api/v1/imports/${b.id}/errors.csv`, as('admin'));
  assert.equal(rep.status, 200);
  const rows = parseCsv(rep.text);
  assert.deepEqual(rows[0].slice(0, 4), ['import_line', 'import_errors', 'ID', 'ISDELETED']);
  assert.equal(rows.length - 1, s.failed);
  assert.ok(rows.slice(1).every((r) => /looks like existing customer/.test(r[1])), rows[1]?.[1]);
  // a second run: every imported row is matched by its code, unchanged
  const b2 = await importRaw(data);
  assert.equal(b2.summary.unchanged, s.created);
  assert.equal(b2.summary.created, 0);
  // duplicates=create imports the rest, as the API's ?force=true would
  const b3 = await importRaw(data, 'duplicates=create');
  assert.equal(b3.summary.created, s.failed);
  assert.equal(b3.summary.failed, 0);
});

test('modes: dry run writes nothing; all_or_nothing imports nothing when a row is bad; skip_bad imports the good rows', async () => {
  const csv = '客户名称,手机,邮箱,信用额度\n好客户一号,13811110001,a1@ok.example.cn,100\n坏客户,abc,not-an-email,xx\n好客户二号,13811110002,a2@ok.example.cn,200\n';
  const before = await gx.count('customers', as('admin'));
  const audit = await gx.lastAuditId(as('admin'));
  const dry = await importRaw(csv, 'dry_run=true');
  assert.equal(dry.status, 'dry_run');
  assert.equal(dry.summary.created, 2, 'a dry run says what would happen');
  assert.equal(dry.summary.failed, 1);
  const aon = await importRaw(csv, 'mode=all_or_nothing');
  assert.equal(aon.status, 'failed');
  assert.match(aon.error, /all_or_nothing/);
  assert.equal(await gx.count('customers', as('admin')), before, 'nothing half-imported');
  assert.equal(await gx.lastAuditId(as('admin')), audit, 'not even an audit row');
  const bad = aon.summary.errors[0];
  assert.equal(bad.line, 3);
  const fields = bad.errors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['credit_limit', 'email', 'mobile'], 'every error of the row at once');
  const skip = await importRaw(csv);
  assert.equal(skip.status, 'done');
  assert.equal(skip.summary.created, 2);
  assert.equal(await gx.count('customers', as('admin')), before + 2);
  const rep = parseCsv((await gx.get(`/api/v1/imports/${skip.id}/errors.csv?bom=true`, as('admin'))).text.replace(/^\uFEFF/, ''));
  assert.equal(rep.length, 2);
  assert.equal(rep[1][0], '3');
  assert.deepEqual(rep[1].slice(2), ['坏客户', 'abc', 'not-an-email', 'xx'], 'the row as it was, to fix and import again');
});

test('upsert by code, e-mail or phone; a re-run creates no duplicates; undo restores through the engine', async () => {
  const v1 = 'Customer code,Name,Mobile,City\nUP-1,Upsert Alpha,13900000001,Xiamen\nUP-2,Upsert Beta,13900000002,Fuzhou\n';
  const b1 = await importRaw(v1);
  assert.equal(b1.summary.created, 2);
  const again = await importRaw(v1);
  assert.equal(again.summary.created, 0);
  assert.equal(again.summary.unchanged, 2, 're-running the same file changes nothing');
  const [alpha] = await byName('Upsert Alpha');
  const v2 = 'Customer code,Name,Mobile,City\nUP-1,Upsert Alpha,13900000001,Quanzhou\nUP-3,Upsert Gamma,13900000003,Putian\n';
  const b2 = await importRaw(v2);
  assert.equal(b2.summary.updated, 1);
  assert.equal(b2.summary.created, 1);
  const after2 = await gx.getOk(`/api/v1/customers/${alpha.id}`, as('admin'));
  assert.equal(after2.city, 'Quanzhou');
  const hist = await gx.getOk(`/api/v1/customers/${alpha.id}/history`, as('admin'));
  assert.ok(hist.items.some((h) => h.field === 'city' && h.old_value === 'Xiamen' && h.new_value === 'Quanzhou'));
  // by e-mail (no code column): no customer has Beta's new e-mail, and the
  // name is taken: a likely duplicate, not a second Beta
  const byEmail = await importRaw('Company,Email,Website\nUpsert Beta,BETA@upsert.example.com,https://beta.example.com\n', 'key=email');
  assert.equal(byEmail.summary.created, 0);
  assert.equal(byEmail.summary.duplicates, 1);
  assert.match(byEmail.summary.errors[0].errors[0].message, /UP-2 Upsert Beta \(name/);
  const d1 = await importRaw('Company,Email,Website\nUpsert Delta,DELTA@upsert.example.com,https://delta.example.com\n', 'key=email');
  assert.equal(d1.summary.created, 1);
  const e2 = await importRaw('Company,Email,Website\nUpsert Delta,delta@upsert.example.com,https://delta2.example.com\n', 'key=email');
  assert.equal(e2.summary.updated, 1, 'e-mail keys ignore case');
  // by phone: +86 and spaces do not matter
  const p = await importRaw('公司,手机,行业\nUpsert Alpha,+86 139 0000 0001,物流\n', 'key=phone');
  assert.equal(p.summary.updated, 1, JSON.stringify(p.summary));
  assert.equal((await gx.getOk(`/api/v1/customers/${alpha.id}`, as('admin'))).industry, '物流');
  // someone edits after the import; undo keeps that edit and restores the rest
  const cur = await gx.getOk(`/api/v1/customers/${alpha.id}`, as('admin'));
  const r = await gx.patch(`/api/v1/customers/${alpha.id}`, { industry: '航运' }, { ...as('admin'), ifMatch: `"${cur.version}"` });
  assert.equal(r.status, 200, r.text);
  const u = await gx.post(`/api/v1/imports/${p.id}/undo`, {}, as('admin'));
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.conflicts, 1, 'the later edit is kept');
  assert.equal((await gx.getOk(`/api/v1/customers/${alpha.id}`, as('admin'))).industry, '航运');
  const u2 = await gx.post(`/api/v1/imports/${b2.id}/undo`, {}, as('admin'));
  assert.equal(u2.status, 200, u2.text);
  assert.equal(u2.json.deleted, 1, 'UP-3, created by the batch, is deleted');
  assert.equal(u2.json.restored, 1);
  assert.equal((await gx.getOk(`/api/v1/customers/${alpha.id}`, as('admin'))).city, 'Xiamen', 'restored');
  assert.equal((await byName('Upsert Gamma')).length, 0);
  const hist2 = await gx.getOk(`/api/v1/customers/${alpha.id}/history`, as('admin'));
  assert.ok(hist2.items.some((h) => h.field === 'city' && h.old_value === 'Quanzhou' && h.new_value === 'Xiamen'), 'the undo is in the history');
  assertProblem(await gx.post(`/api/v1/imports/${b2.id}/undo`, {}, as('admin')), 409, 'undo twice');
  assertProblem(await gx.post(`/api/v1/imports/${b2.id - 1}/undo`, {}, as('admin')), 404, 'no such batch');
  // the batch it undid can be imported again: its deleted record comes back
  const b3 = await importRaw(v2);
  assert.equal(b3.summary.created, 0);
  assert.equal((await byName('Upsert Gamma')).length, 1, 'restored by the re-run');
  const st = await gx.getOk(`/api/v1/imports/${b2.id}`, as('admin'));
  assert.equal(st.status, 'undone');
});

test('explicit and saved mappings; custom fields as columns', async () => {
  const cf = await gx.create('custom-fields', { entity: 'customers', name: 'grade', type: 'option', label_zh_cn: '客户等级', label_en: 'Grade', options: ['A', 'B', 'C'] }, as('admin'));
  assert.ok(cf.id);
  await gx.create('custom-fields', { entity: 'customers', name: 'annual_volume', type: 'money', label_zh_cn: '年采购额' }, as('admin'));
  const csv = 'Firma,Tel.,Stadt,客户等级,年采购额\nMapping Werke AG,+49 89 123456,München,b,"1,234.50"\n';
  const auto = await importRaw(csv, 'dry_run=true');
  assert.equal(auto.status, 'dry_run');
  assert.ok(auto.summary.failed === 1 || auto.summary.header_errors, 'Firma is not known: no name');
  const mapping = { Firma: 'name', 'Tel.': 'phone', Stadt: 'city' };
  const b = await gx.post(`/api/v1/imports?wait=true`, undefined, {
    ...as('admin'), raw: `--X\r\nContent-Disposition: form-data; name="options"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ mapping })}\r\n` +
      `--X\r\nContent-Disposition: form-data; name="file"; filename="firmen.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--X--\r\n`,
    contentType: 'multipart/form-data; boundary=X',
  });
  assert.equal(b.status, 200, b.text);
  assert.equal(b.json.summary.created, 1, JSON.stringify(b.json.summary));
  assert.equal(b.json.filename, 'firmen.csv');
  const [m] = await byName('Mapping Werke AG');
  assert.equal(m.phone, '+49 89 123456');
  assert.deepEqual(m.custom, { grade: 'B', annual_volume: 123450 }, 'custom columns by label, option case folded, money in fen');
  // saved mapping, used by id
  const saved = await gx.create('import-mappings', { name: 'German list', entity: 'customers', rules: mapping }, as('admin'));
  const b2 = await importRaw('Firma,Tel.,Stadt\nZweite Werke GmbH,+49 89 654321,Köln\n', `mapping_id=${saved.id}`);
  assert.equal(b2.summary.created, 1);
  assert.equal((await byName('Zweite Werke GmbH'))[0].city, 'Köln');
  const bad = await gx.post('/api/v1/import-mappings', { name: 'Bad', entity: 'customers', rules: { Firma: 'no_such_field' } }, as('admin'));
  assertProblem(bad, 422, 'a mapping to a field that does not exist');
  const badRule = await gx.post('/api/v1/imports?wait=true', undefined, {
    ...as('admin'), raw: `--X\r\nContent-Disposition: form-data; name="options"\r\n\r\n{"mapping":{"Nope":"name"}}\r\n--X\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nFirma\nA\r\n--X--\r\n`,
    contentType: 'multipart/form-data; boundary=X',
  });
  assert.equal(badRule.status, 200);
  assert.equal(badRule.json.status, 'failed');
  assert.match(badRule.json.error, /no column 'Nope'/);
});

test('contacts: by customer code or name, first and last names joined, upsert within the customer', async () => {
  await importRaw('客户编号,客户名称\nCT-1,联系人测试有限公司\n');
  const csv = '客户编号,姓,名,职务,手机,邮箱,生日\nCT-1,王,小明,采购经理,13700001111,xm.wang@ct.example.cn,1985/6/1\nCT-1,李,雷,总经理,13700002222,,19790312\n';
  const b = await importRaw(csv, 'entity=contacts');
  assert.equal(b.summary.created, 2, JSON.stringify(b.summary));
  const [cust] = await byName('联系人测试有限公司');
  const contacts = (await gx.getOk(`/api/v1/contacts?filter[customer_id]=${cust.id}`, as('admin'))).items;
  const wang = contacts.find((c) => c.name === '王小明');
  assert.ok(wang, contacts.map((c) => c.name).join());
  assert.equal(wang.birthday, '1985-06-01');
  assert.equal(wang.title, '采购经理');
  assert.equal(contacts.find((c) => c.name === '李雷').birthday, '1979-03-12');
  const again = await importRaw('客户名称,联系人,手机,职务\n联系人测试有限公司,王小明,13700001111,采购总监\n', 'entity=contacts');
  assert.equal(again.summary.updated, 1, 'matched within the customer');
  const none = await importRaw('客户编号,联系人\nNO-SUCH,某人\n', 'entity=contacts');
  assert.equal(none.summary.failed, 1);
  assert.match(none.summary.errors[0].errors[0].message, /no customer has the code/);
});

test('vCards as Apple, Google, Outlook and Android write them, and the Chinese company card', async (tc) => {
  const dir = join(SHARED, 'interop/vcard');
  if (!existsSync(dir)) return tc.skip(`no ${dir}`);
  await importRaw('客户编号,客户名称\nVC-0,名片夹\n');
  let cards = 0, files = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.vcf')).sort()) {
    const data = readFileSync(join(dir, f));
    const b = await importRaw(data, `customer=VC-0&filename=${encodeURIComponent(f)}`, { type: 'text/vcard' });
    assert.equal(b.status, 'done', `${f}: ${JSON.stringify(b)}`);
    assert.equal(b.entity, 'contacts');
    assert.equal(b.summary.failed, 0, `${f}: ${JSON.stringify(b.summary.errors)}`);
    cards += b.summary.created;
    files++;
  }
  assert.ok(files >= 20 && cards >= 28, `${files} files, ${cards} cards`);
  const all = await gx.listAll('contacts', 'filter[customer_id]=' + (await byName('名片夹'))[0].id, as('admin'));
  assert.equal(all.length, cards);
  const gmail = all.find((c) => c.email === 'mike.angstadt@gmail.com' || c.name.includes('Angstadt'));
  assert.ok(gmail, 'the Gmail card');
  const jp = all.find((c) => c.name.includes('安藤'));
  assert.ok(jp, 'Shift_JIS names decoded');
  const sf = all.find((c) => c.name === '顺丰速运');
  assert.ok(sf, 'the Chinese company card without FN or N is named by its ORG');
  assert.equal(sf.phone || sf.mobile, '95338');
  // create_customers: a card's ORG becomes the customer
  const iphone = readFileSync(join(dir, 'ezvcard_John_Doe_IPHONE.vcf'));
  const b = await importRaw(iphone, 'create_customers=true', { type: 'text/vcard' });
  assert.equal(b.summary.created, 1);
  assert.equal((await byName('Acme Solutions')).length >= 1 || (await gx.getOk('/api/v1/customers?q=acme', as('admin'))).items.length >= 1, true);
});

test('an import job runs in the background: 202, progress, then done', async () => {
  // 300 companies with names unlike each other (similar names would be
  // reported as likely duplicates, as the API does)
  const words = ['华联', '恒通', '鑫源', '永安', '长城', '东方', '金泰', '宏达', '瑞丰', '中兴', '百盛', '银河', '晨光', '天虹',
    '汇丰', '德昌', '行健', '朝阳', '新华', '海天', '明珠', '嘉禾', '福田', '锦江', '信达', '安泰', '广源', '同仁', '正大', '华夏'];
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const names = new Set();
  while (names.size < 300) names.add(`${words[rnd(30)]}${words[rnd(30)]}${words[rnd(30)]}${['科技', '贸易', '物流', '电子'][rnd(4)]}`);
  let csv = '客户名称,手机\n';
  [...names].forEach((n, i) => { csv += `${n},139${String(10000000 + i).padStart(8, '0')}\n`; });
  const r = await gx.post('/api/v1/imports', undefined, { ...as('admin'), raw: csv, contentType: 'text/csv; charset=utf-8' });
  assert.equal(r.status, 202, r.text);
  assert.match(r.headers.get('location'), /^\/api\/v1\/imports\/\d+$/);
  assert.ok(['queued', 'running', 'done'].includes(r.json.status));
  let b;
  for (let i = 0; i < 1200; i++) {
    b = await gx.getOk(r.headers.get('location'), as('admin'));
    if (!['queued', 'running'].includes(b.status)) break;
    await sleep(100);
  }
  assert.equal(b.status, 'done', JSON.stringify(b));
  assert.equal(b.summary.created + b.summary.duplicates, 300, JSON.stringify(b.summary.errors?.slice(0, 3)));
  assert.ok(b.summary.created >= 200, `${b.summary.created} created`);
  const list = await gx.getOk('/api/v1/imports?limit=50', as('admin'));
  assert.ok(list.items.some((x) => x.id === b.id));
});

test('who may import: not a sales rep; a manager may, and sees only what they may see', async () => {
  assertProblem(await gx.post('/api/v1/imports?wait=true', undefined, { ...as('s1'), raw: 'name\nX\n', contentType: 'text/csv' }), 403);
  assertProblem(await gx.get('/api/v1/imports', as('s1')), 403);
  const b = await importRaw('客户名称,城市\n经理导入的客户,成都\n', '', { who: 'mgr' });
  assert.equal(b.summary.created, 1);
  const [c] = await byName('经理导入的客户');
  assert.equal(c.in_pool, true, "a manager's import lands in the pool (no owner)");
});
