// io_export.test.mjs — exports of list views: CSV (UTF-8, BOM on request)
// and XLSX with localised headers, the list API's filters and sort, custom
// fields as columns, formulas neutralised; vCard and iCalendar; and round
// trips: export -> import into another tenant -> export, equal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { Guanxi, assertProblem, parseCsv } from './harness.mjs';

const gx = new Guanxi({
  tenants: [{ slug: 'other', name: 'Other Co' }],
  users: [{ name: 'mgr', role: 'manager' }, { name: 's1', role: 'sales' }, { name: 'boss2', role: 'admin', tenant: 'other' }],
});
const t = {};
const as = (who) => ({ token: t[who] });

before(async () => {
  await gx.setup();
  for (const u of ['admin', 'mgr', 's1']) t[u] = (await gx.login(u)).token;
  t.boss2 = (await gx.login('boss2', undefined, 'other')).token;
});
after(() => gx.stop());

/** The files of a zip archive (stored or deflated), by name. */
function unzip(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd > 0, 'not a zip file');
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = {};
  for (let i = 0; i < n; i++) {
    const method = buf.readUInt16LE(p + 10), csize = buf.readUInt32LE(p + 20);
    const nl = buf.readUInt16LE(p + 28), xl = buf.readUInt16LE(p + 30), cl = buf.readUInt16LE(p + 32);
    const lho = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nl);
    const start = lho + 30 + buf.readUInt16LE(lho + 26) + buf.readUInt16LE(lho + 28);
    const data = buf.subarray(start, start + csize);
    files[name] = method === 8 ? zlib.inflateRawSync(data) : data;
    p += 46 + nl + xl + cl;
  }
  return files;
}

const xmlText = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Rows of the first worksheet: [[{type, v}]] (t: s string, n number). */
function sheetRows(xlsx, sheet = 'xl/worksheets/sheet1.xml') {
  const files = unzip(xlsx);
  const xml = files[sheet].toString('utf8');
  const shared = files['xl/sharedStrings.xml'] ? [...files['xl/sharedStrings.xml'].toString('utf8').matchAll(/<si>.*?<t[^>]*>(.*?)<\/t>.*?<\/si>/gs)].map((m) => xmlText(m[1])) : [];
  const rows = [];
  for (const rm of xml.matchAll(/<row [^>]*>(.*?)<\/row>/gs)) {
    const cells = [];
    for (const cm of rm[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const col = [...cm[1]].reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const attrs = cm[2], body = cm[3] || '';
      let cell;
      if (/t="inlineStr"/.test(attrs)) cell = { t: 's', v: xmlText((/<t[^>]*>(.*?)<\/t>/s.exec(body) || [])[1] || '') };
      else if (/t="s"/.test(attrs)) cell = { t: 's', v: shared[Number(/<v>(.*?)<\/v>/.exec(body)[1])] };
      else if (/<f>/.test(body)) cell = { t: 'f', v: body };
      else cell = { t: 'n', v: Number((/<v>(.*?)<\/v>/.exec(body) || [])[1]) };
      cells[col] = cell;
    }
    rows.push(cells);
  }
  return { rows, xml, files };
}

async function download(path, who = 'admin') {
  const r = await gx.get(path, as(who));
  return r;
}

async function rawBytes(path, who = 'admin') {
  const res = await fetch(gx.base + path, { headers: { Authorization: `Bearer ${t[who]}` } });
  return { status: res.status, headers: res.headers, buf: Buffer.from(await res.arrayBuffer()) };
}

const importRaw = async (body, query, who) => {
  const r = await gx.post(`/api/v1/imports?wait=true${query ? '&' + query : ''}`, undefined,
    { ...as(who), raw: body, contentType: query?.includes('format=vcf') ? 'text/vcard' : 'text/csv', timeout: 180_000 });
  assert.equal(r.status, 200, r.text.slice(0, 500));
  return r.json;
};

const FORMULAS = ['=cmd|\' /C calc\'!A0', '+SUM(1,2)', '-2+3', '@SUM(A1)', '\tTAB', "'quoted"];

test('setup: customers with every kind of field, contacts, activities, custom fields', async () => {
  await gx.create('custom-fields', { entity: 'customers', name: 'grade', type: 'option', label_zh_cn: '客户等级', label_zh_tw: '客戶等級', label_en: 'Grade', options: ['A', 'B'] }, as('admin'));
  await gx.create('custom-fields', { entity: 'customers', name: 'volume', type: 'money', label_zh_cn: '年采购额', label_en: 'Annual volume' }, as('admin'));
  await gx.create('custom-fields', { entity: 'customers', name: 'tags2', type: 'multi_option', label_zh_cn: '渠道', label_en: 'Channels', options: ['线上', '线下', '代理'] }, as('admin'));
  await gx.create('custom-fields', { entity: 'customers', name: 'since', type: 'date', label_zh_cn: '合作开始', label_en: 'Since' }, as('admin'));
  for (const slug of ['other']) {
    await gx.create('custom-fields', { entity: 'customers', name: 'grade', type: 'option', label_zh_cn: '客户等级', label_en: 'Grade', options: ['A', 'B'] }, as('boss2'));
    await gx.create('custom-fields', { entity: 'customers', name: 'volume', type: 'money', label_zh_cn: '年采购额', label_en: 'Annual volume' }, as('boss2'));
    await gx.create('custom-fields', { entity: 'customers', name: 'tags2', type: 'multi_option', label_zh_cn: '渠道', label_en: 'Channels', options: ['线上', '线下', '代理'] }, as('boss2'));
    await gx.create('custom-fields', { entity: 'customers', name: 'since', type: 'date', label_zh_cn: '合作开始', label_en: 'Since' }, as('boss2'));
    assert.ok(slug);
  }
  const full = {
    code: 'EXP-001', name: '上海华联电子科技有限公司', kind: 'organisation', type: 'distributor', status: 'customer', source: '展会',
    industry: '电子', tags: '重点,华东', phone: '021-6888 1234', mobile: '+86 138 0013 8000', fax: '021-6888 1235', email: 'buy@hualian.example.cn',
    website: 'https://hualian.example.cn', address: '浦东新区张江路88号\n3号楼', city: '上海', province: '上海', postcode: '201203', country: '中国',
    delivery_address: '仓库：嘉定区', invoice_address: '同上', invoice_title: '上海华联电子科技有限公司', currency: 'CNY', bank_name: '招商银行',
    bank_account: '6225 8888 0000 1234', discount_terms: '满10万9折', payment_terms: '月结30天', tax_id: '91310000MA1FL0XX0X', tax_rule: '一般纳税人',
    credit_limit: 12345678, sales_rep_code: 'S01', commission_code: 'K3', interests: '高尔夫', hobbies: '茶', motives: '降本', perceptions: '质量好',
    attitudes: '积极', opinions: '价格偏高', evaluation_of_us: '满意', contract_fulfilment: '按时', competitor_dealings: '也买A公司', demand_characteristics: '小批量多品种',
    potential: '高', notes: '备注, 含逗号 "引号"\n第二行',
    custom: { grade: 'A', volume: 500000000, tags2: ['线上', '代理'], since: '2020-05-01' },
  };
  await gx.create('customers?force=true', full, as('admin'));
  await gx.create('customers?force=true', { code: 'EXP-002', name: '張三', kind: 'person', status: 'prospect', mobile: '0912-345-678', city: '台北', credit_limit: 0 }, as('admin'));
  await gx.create('customers?force=true', { code: 'EXP-003', name: 'Müller GmbH', status: 'customer', city: 'Berlin', email: 'info@mueller.example.de' }, as('admin'));
  let i = 0;
  for (const f of FORMULAS) await gx.create('customers?force=true', { code: `INJ-${++i}`, name: f.trim() === f ? f : `x${f}`, notes: f, status: 'lead' }, as('admin'));
  const [c1] = (await gx.getOk('/api/v1/customers?filter[code]=EXP-001', as('admin'))).items;
  await gx.create('contacts', { customer_id: c1.id, name: '王小明', title: '采购经理', department: '采购部', mobile: '13700001111', phone: '021-6888 1236', email: 'xm@hualian.example.cn', birthday: '1985-06-01', wechat: 'wxm85', is_primary: true, notes: '喜欢喝茶' }, as('admin'));
  await gx.create('contacts', { customer_id: c1.id, name: '欧阳娜娜', title: '总经理', mobile: '13700002222' }, as('admin'));
  await gx.create('contacts', { customer_id: c1.id, name: 'John Smith', email: 'john@hualian.example.cn' }, as('admin'));
  await gx.create('activities', { customer_id: c1.id, channel: 'visit', subject: '上门拜访，了解新项目需求', notes: '带了样品; 对方很感兴趣', outcome: '有兴趣，待报价', duration_min: 90, occurred_at: '2026-11-20T02:30:00Z' }, as('admin'));
  await gx.create('activities', { customer_id: c1.id, channel: 'phone', subject: '电话回访', occurred_at: '2026-11-21T08:00:00+08:00' }, as('admin'));
});

test('CSV: the list API filters and sort, localised headers, BOM on request', async () => {
  const list = await gx.getOk('/api/v1/customers?filter[status]=customer&sort=name&limit=200', as('admin'));
  const r = await download('/api/v1/exports/customers?filter[status]=customer&sort=name&lang=en');
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.match(r.contentType, /^text\/csv; charset=utf-8/);
  assert.match(r.headers.get('content-disposition'), /attachment; filename="customers-\d{8}\.csv"/);
  const rows = parseCsv(r.text);
  assert.equal(rows[0][0], 'ID');
  assert.ok(rows[0].includes('Customer code') && rows[0].includes('Credit limit') && rows[0].includes('Grade'), rows[0].join('|'));
  const ci = rows[0].indexOf('Customer code');
  assert.deepEqual(rows.slice(1).map((x) => x[ci]), list.items.map((c) => c.code), 'same rows, same order as the list API');
  const zh = await rawBytes('/api/v1/exports/customers?lang=zh-CN&bom=true');
  assert.deepEqual([...zh.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM for Excel');
  assert.ok(parseCsv(zh.buf.subarray(3).toString('utf8'))[0].includes('客户编号'));
  const nobom = await rawBytes('/api/v1/exports/customers?lang=zh-CN');
  assert.notEqual(nobom.buf[0], 0xef);
  const tw = await download('/api/v1/exports/customers?lang=zh-TW');
  const twh = parseCsv(tw.text)[0];
  assert.ok(twh.includes('客戶編號') && twh.includes('客戶等級') && twh.includes('統一編號'), twh.join('|'));
  const viaHeader = await gx.get('/api/v1/exports/customers', { ...as('admin'), headers: { 'Accept-Language': 'en-US,en;q=0.9' } });
  assert.equal(parseCsv(viaHeader.text)[0][1], 'Customer code');
  const cols = await download('/api/v1/exports/customers?columns=code,name,custom.grade,credit_limit&lang=en&filter[code]=EXP-001');
  assert.deepEqual(parseCsv(cols.text), [['Customer code', 'Name', 'Grade', 'Credit limit'], ['EXP-001', '上海华联电子科技有限公司', 'A', '123456.78']]);
  assertProblem(await download('/api/v1/exports/customers?columns=name,password'), 400);
  assertProblem(await download('/api/v1/exports/customers?filter[nope]=1'), 400);
  assertProblem(await download('/api/v1/exports/customers?format=pdf'), 400);
  assertProblem(await download('/api/v1/exports/nothing'), 404);
  assertProblem(await download('/api/v1/exports/customers', 's1'), 403, 'a sales rep may not walk off with the list');
  assert.equal((await download('/api/v1/exports/customers', 'mgr')).status, 200);
});

test('formulas in cells are neutralised in CSV, and are plain text cells in XLSX', async () => {
  const r = await download('/api/v1/exports/customers?columns=code,name,notes&filter[code][in]=INJ-1,INJ-2,INJ-3,INJ-4,INJ-5,INJ-6&sort=code');
  const rows = parseCsv(r.text).slice(1);
  for (const [code, name, notes] of rows) {
    assert.ok(!/^[=+\-@\t\r]/.test(name) && !/^[=+\-@\t\r]/.test(notes), `${code}: "${name}" / "${notes}" would run as a formula`);
    if (notes) assert.equal(notes[0], "'", `${code}: ${notes}`);
  }
  const x = await rawBytes('/api/v1/exports/customers?format=xlsx&columns=code,notes&filter[code][in]=INJ-1,INJ-2,INJ-3,INJ-4,INJ-5,INJ-6&sort=code');
  const { rows: xr, xml } = sheetRows(x.buf);
  assert.ok(!/<f>/.test(xml), 'no formula cell in the sheet');
  assert.deepEqual(xr.slice(1).map((cells) => cells[1].v), FORMULAS, 'the text as typed, in string cells');
  assert.ok(xr.slice(1).every((cells) => cells[1].t === 's'));
  // re-imported, the neutralised CSV gives back exactly what was typed
  const b = await importRaw(r.text, 'key=code&dry_run=true', 'admin');
  assert.equal(b.summary.unchanged, 6, JSON.stringify(b.summary));
});

test('XLSX: localised headers, numbers as numbers, custom fields, the same cells as the CSV', async () => {
  const x = await rawBytes('/api/v1/exports/customers?format=xlsx&lang=zh-CN&sort=code');
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  assert.equal(Number(x.headers.get('content-length')), x.buf.length);
  const { rows } = sheetRows(x.buf);
  const csv = parseCsv((await download('/api/v1/exports/customers?lang=zh-CN&sort=code')).text);
  assert.deepEqual(rows[0].map((c) => c.v), csv[0], 'same headers');
  assert.equal(rows.length, csv.length);
  const h = csv[0];
  const row = rows.find((r) => r[h.indexOf('客户编号')]?.v === 'EXP-001');
  assert.equal(row[h.indexOf('信用额度')].t, 'n');
  assert.equal(row[h.indexOf('信用额度')].v, 123456.78);
  assert.equal(row[h.indexOf('年采购额')].v, 5000000);
  assert.equal(row[h.indexOf('ID')].t, 's', '16-digit ids stay text');
  assert.equal(row[h.indexOf('渠道')].v, '代理,线上', 'multi-option values in the order the engine keeps them');
  const crow = csv.find((r) => r[h.indexOf('客户编号')] === 'EXP-001');
  for (let i = 0; i < h.length; i++) {
    const cell = row[i];
    const want = crow[i];
    if (!cell) { assert.equal(want, '', `${h[i]} empty`); continue; }
    if (cell.t === 'n') assert.equal(Number(want), cell.v, h[i]);
    else assert.equal(cell.v, want.startsWith("'") ? want.slice(1) : want, h[i]);
  }
});

test('round trip: export -> import into another tenant -> export compares equal', async () => {
  // system columns and what other records derive (the last follow-up
  // comes from activities, which this round trip does not carry)
  const drop = new Set(['ID', 'Created at', 'Updated at', 'Entered the pool', 'Last follow-up']);
  const strip = (text) => {
    const rows = parseCsv(text);
    const keep = rows[0].map((h, i) => (drop.has(h) ? -1 : i)).filter((i) => i >= 0);
    return rows.map((r) => keep.map((i) => r[i])).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  };
  const a = (await download('/api/v1/exports/customers?lang=en')).text;
  const b1 = await importRaw(a, '', 'boss2');
  assert.equal(b1.status, 'done', JSON.stringify(b1.summary));
  assert.equal(b1.summary.failed, 0, JSON.stringify(b1.summary.errors));
  const b = (await download('/api/v1/exports/customers?lang=en', 'boss2')).text;
  assert.deepEqual(strip(b), strip(a), 'customers, every field and custom field');
  // the same in Chinese headers, read back as an update of the same records
  const zh = (await download('/api/v1/exports/customers?lang=zh-TW&bom=true')).text;
  const b2 = await importRaw(zh, '', 'boss2');
  assert.equal(b2.summary.unchanged, b1.summary.created, JSON.stringify(b2.summary.errors));
  // contacts follow their customers by code
  const ca = (await download('/api/v1/exports/contacts?lang=zh-CN')).text;
  const b3 = await importRaw(ca, 'entity=contacts', 'boss2');
  assert.equal(b3.summary.created, 3, JSON.stringify(b3.summary));
  const dropc = new Set(['ID', '创建时间', '更新时间']);
  const stripc = (text) => {
    const rows = parseCsv(text);
    const keep = rows[0].map((h, i) => (dropc.has(h) ? -1 : i)).filter((i) => i >= 0);
    return rows.map((r) => keep.map((i) => r[i])).sort();
  };
  assert.deepEqual(stripc((await download('/api/v1/exports/contacts?lang=zh-CN', 'boss2')).text), stripc(ca));
});

test('vCard export of contacts (3.0 and 4.0) reads back into the same contacts', async () => {
  const r = await download('/api/v1/exports/contacts?format=vcf');
  assert.equal(r.status, 200);
  assert.match(r.contentType, /^text\/vcard/);
  const cards = r.text.split('BEGIN:VCARD').length - 1;
  assert.ok(cards >= 3);
  assert.match(r.text, /FN:王小明\r\n/);
  assert.match(r.text, /N:王;小明;;;\r\n/);
  assert.match(r.text, /N:欧阳;娜娜;;;\r\n/, 'a two-character surname');
  assert.match(r.text, /ORG:上海华联电子科技有限公司/);
  assert.match(r.text, /BDAY:1985-06-01/);
  const v4 = await download('/api/v1/exports/contacts?format=vcf&version=4.0');
  assert.match(v4.text, /VERSION:4\.0/);
  assert.match(v4.text, /BDAY:19850601/);
  // into the other tenant, whose customer exists (round trip above) by name
  await importRaw('客户编号,客户名称\nVCF-1,vCard 名片\n', '', 'boss2');
  const b = await importRaw(v4.text, 'format=vcf&entity=contacts&customer=VCF-1', 'boss2');
  assert.equal(b.status, 'done', JSON.stringify(b.summary));
  assert.equal(b.summary.failed, 0, JSON.stringify(b.summary.errors));
  const wang = (await gx.getOk(`/api/v1/contacts?filter[name]=${encodeURIComponent('王小明')}`, as('boss2'))).items;
  assert.ok(wang.some((c) => c.mobile === '13700001111' && c.email === 'xm@hualian.example.cn' && c.birthday === '1985-06-01' && c.title === '采购经理'), JSON.stringify(wang));
  assertProblem(await download('/api/v1/exports/customers?format=vcf'), 400);
});

test('iCalendar export of activities: one VEVENT each, times in UTC, durations', async () => {
  const r = await download('/api/v1/exports/activities?format=ics');
  assert.equal(r.status, 200);
  assert.match(r.contentType, /^text\/calendar/);
  const t2 = r.text;
  assert.ok(t2.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//guanxi//'));
  assert.ok(t2.endsWith('END:VCALENDAR\r\n'));
  assert.equal(t2.split('BEGIN:VEVENT').length - 1, 2);
  const unfolded = t2.replace(/\r\n[ \t]/g, '');
  assert.match(unfolded, /DTSTART:20261120T023000Z\r\nDTEND:20261120T040000Z\r\n/, '90 minutes');
  assert.match(unfolded, /DTSTART:20261121T000000Z/, '+08:00 converted to UTC');
  assert.match(unfolded, /SUMMARY:上门拜访，了解新项目需求/);
  assert.match(unfolded, /DESCRIPTION:带了样品\\; 对方很感兴趣\\n结果\/Outcome: 有兴趣，待报价/);
  assert.match(unfolded, /CATEGORIES:visit/);
  assert.match(unfolded, /X-GUANXI-CUSTOMER:上海华联电子科技有限公司/);
  for (const line of t2.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `folded at 75 octets: ${line}`);
  assertProblem(await download('/api/v1/exports/contacts?format=ics'), 400);
});

test('a large export streams page by page (constant memory) and every row comes', async () => {
  let csv = 'Customer code,Name,Mobile\n';
  for (let i = 0; i < 1500; i++) csv += `BIG-${String(i).padStart(5, '0')},大批量导出测试客户${i},13${String(600000000 + i)}\n`;
  const b = await importRaw(csv, 'duplicates=create', 'admin');
  assert.equal(b.summary.created, 1500);
  const r = await download('/api/v1/exports/customers?columns=code&sort=code&filter[code][gte]=BIG-&filter[code][lt]=BIG-~');
  assert.equal(r.headers.get('transfer-encoding'), 'chunked', 'streamed, not built in memory');
  const rows = parseCsv(r.text);
  assert.equal(rows.length, 1501);
  assert.equal(rows[1][0], 'BIG-00000');
  assert.equal(rows[1500][0], 'BIG-01499');
  const x = await rawBytes('/api/v1/exports/customers?format=xlsx&columns=code&filter[code][gte]=BIG-&filter[code][lt]=BIG-~');
  assert.equal(sheetRows(x.buf).rows.length, 1501);
});

test('the customer list\'s own filters (team breadth, member) export what the list shows', async () => {
  const [c1] = (await gx.getOk('/api/v1/customers?filter[code]=EXP-001', as('admin'))).items;
  const mgr = (await gx.getOk('/api/v1/users?filter[username]=mgr', as('admin'))).items[0];
  await gx.create('relationships', { customer_id: c1.id, user_id: mgr.id, role: 'owner' }, as('admin'));
  for (const query of ['risk=single_person', 'risk=none', `member=${mgr.id}`]) {
    const list = await gx.listAll('customers', `${query}&sort=code`, as('admin'));
    const r = await download(`/api/v1/exports/customers?${query}&sort=code&lang=en&columns=code`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 300)}`);
    assert.deepEqual(parseCsv(r.text).slice(1).map((x) => x[0]), list.map((c) => c.code), query);
  }
  const served = parseCsv((await download(`/api/v1/exports/customers?member=${mgr.id}&columns=code`)).text).slice(1);
  assert.deepEqual(served, [['EXP-001']]);
  assertProblem(await download('/api/v1/exports/customers?risk=lonely'), 400);
  assertProblem(await download(`/api/v1/exports/customers?risk=none&member=${mgr.id}`), 400);
});
