// customers.test.mjs — the customer 360: Chinese search, duplicates and
// merge, visibility per role, the customer pool, handover, team breadth,
// timeline, contacts and activities.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Guanxi, assertProblem, errorsFor, sqlite } from './harness.mjs';

const gx = new Guanxi({
  users: [
    { name: 'mgr', role: 'manager' },
    { name: 's1', role: 'sales' },
    { name: 's2', role: 'sales' },
    { name: 'svc', role: 'service' },
    { name: 'ro', role: 'readonly' },
  ],
});
const t = {}; // tokens by user name
const id = {}; // user ids by name
const auth = (who) => ({ token: t[who] });

before(async () => {
  await gx.setup();
  for (const u of ['admin', 'mgr', 's1', 's2', 'svc', 'ro']) {
    const l = await gx.login(u);
    t[u] = l.token;
    id[u] = l.user.id;
  }
  // mgr manages team East; s1 is in it, s2 is not
  const team = await gx.create('teams', { name: 'East 华东', manager_id: id.mgr }, auth('admin'));
  const s1 = await gx.getOk(`/api/v1/users/${id.s1}`, auth('admin'));
  const r = await gx.patch(`/api/v1/users/${id.s1}`, { team_id: team.id }, { ...auth('admin'), ifMatch: `"${s1.version}"` });
  assert.equal(r.status, 200, r.text);
});
after(() => gx.stop());

const names = (body) => body.items.map((c) => c.name);
const search = async (q, who = 'admin') =>
  names(await gx.getOk(`/api/v1/customers?q=${encodeURIComponent(q)}&limit=20`, auth(who)));

test('Chinese search: Traditional/Simplified, full pinyin, initials, polyphones, phones, codes', async () => {
  const zs = await gx.create('customers', { name: '张三', kind: 'person', mobile: '138 0013 8000' }, auth('admin'));
  await gx.create('customers', { name: '李四', kind: 'person' }, auth('admin'));
  await gx.create('customers', { name: '重庆百货有限公司', email: 'info@cq-bh.example.cn' }, auth('admin'));
  await gx.create('customers', { name: '单雄信', kind: 'person' }, auth('admin'));
  await gx.create('customers', { name: 'José Álvarez Trading', code: 'EXP-0042' }, auth('admin'));
  for (const q of ['張三', '张三', 'zhangsan', 'zs', 'zhang', '三', 'ZhangSan']) {
    assert.ok((await search(q)).includes('张三'), `"${q}" should find 张三`);
  }
  assert.ok(!(await search('zs')).includes('李四'), 'zs must not find 李四');
  assert.deepEqual(await search('zhangshan'), [], 'zhangshan is not 张三');
  assert.ok((await search('chongqing')).includes('重庆百货有限公司'), 'polyphone 重 = chong');
  assert.ok((await search('cqbh')).includes('重庆百货有限公司'), 'initials with the polyphone');
  assert.ok((await search('shan')).includes('单雄信'), 'surname reading 单 = shan');
  assert.ok((await search('jose')).includes('José Álvarez Trading'), 'accents fold');
  assert.ok((await search('13800138000')).includes('张三'), 'phone digits without spaces');
  assert.ok((await search('8000')).includes('张三'), 'phone tail');
  assert.ok((await search('info@cq-bh')).includes('重庆百货有限公司'), 'email');
  assert.equal((await search(zs.code))[0], '张三', 'an exact code ranks first');
  // names sort by pinyin (ICU zh collation, the common reading of each
  // character): 重 chong < 单 dan < 李 li < 张 zhang
  const sorted = names(await gx.getOk('/api/v1/customers?sort=name&limit=50', auth('admin')))
    .filter((n) => ['张三', '李四', '单雄信', '重庆百货有限公司'].includes(n));
  assert.deepEqual(sorted, ['重庆百货有限公司', '单雄信', '李四', '张三']);
  const desc = names(await gx.getOk('/api/v1/customers?sort=-name&limit=50', auth('admin')))
    .filter((n) => sorted.includes(n));
  assert.deepEqual(desc, [...sorted].reverse());
});

test('a likely duplicate answers 409 with candidates unless forced, and duplicates are listed', async () => {
  const a = await gx.create('customers', { name: '上海华联电子有限公司', phone: '021-6888 1234', email: 'Buy@HuaLian.example.cn' }, auth('admin'));
  for (const body of [
    { name: '上海華聯電子' },                                 // the same name, Traditional, no suffix
    { name: '华联新公司', phone: '(021) 68881234' },          // the same phone
    { name: 'Other name', email: 'buy@hualian.example.cn' }, // the same email, other case
  ]) {
    const r = await gx.post('/api/v1/customers', body, auth('admin'));
    const p = assertProblem(r, 409, JSON.stringify(body));
    assert.ok(p.candidates.some((c) => c.id === a.id), `candidates should name ${a.id}: ${r.text}`);
  }
  const forced = await gx.post('/api/v1/customers?force=true', { name: '上海華聯電子', tags: 'VIP,老客户,50%off' }, auth('admin'));
  for (const [tag, hit] of [['VIP', true], ['vip', true], ['老客户', true], ['老', false], ['50%off', true], ['50_off', false], ['%', false]]) {
    const found = (await gx.getOk(`/api/v1/customers?filter[tags][has]=${encodeURIComponent(tag)}`, auth('admin'))).items.some((x) => x.id === forced.json.id);
    assert.equal(found, hit, `tags has ${tag}`);
  }
  assertProblem(await gx.get('/api/v1/customers?filter[tags][has]=a,b', auth('admin')), 400);
  assert.equal(forced.status, 201, forced.text);
  const pairs = await gx.getOk('/api/v1/customers/duplicates', auth('admin'));
  assert.ok(pairs.items.some((p) => [p.a.id, p.b.id].includes(a.id) && [p.a.id, p.b.id].includes(forced.json.id)));
});

test('merge moves contacts, activities and team, fills gaps, keeps the merged record traceable', async () => {
  const into = await gx.create('customers', { name: '杭州恒通机械', city: '杭州' }, auth('admin'));
  const from = await gx.create('customers?force=true', { name: '杭州恒通机械设备', phone: '0571-8888 0000', tags: 'vip' }, auth('admin'));
  const c1 = await gx.create('contacts', { customer_id: from.id, name: '王芳', title: '采购经理' }, auth('admin'));
  const a1 = await gx.create('activities', { customer_id: from.id, channel: 'phone', subject: '电话回访' }, auth('admin'));
  await gx.create('relationships', { customer_id: from.id, user_id: id.s2, role: 'sales' }, auth('admin'));
  const r = await gx.post(`/api/v1/customers/${into.id}/merge`, { from: from.id }, auth('admin'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.contacts_moved, 1);
  assert.equal(r.json.activities_moved, 1);
  assert.equal(r.json.customer.phone, '0571-8888 0000', 'an empty field is filled from the merged record');
  assert.equal(r.json.customer.city, '杭州', 'a filled field is kept');
  assert.equal((await gx.getOk(`/api/v1/contacts/${c1.id}`, auth('admin'))).customer_id, into.id);
  assert.equal((await gx.getOk(`/api/v1/activities/${a1.id}`, auth('admin'))).customer_id, into.id);
  const team = await gx.getOk(`/api/v1/customers/${into.id}/team`, auth('admin'));
  assert.ok(team.members.some((m) => m.user_id === id.s2));
  assertProblem(await gx.get(`/api/v1/customers/${from.id}`, auth('admin')), 404);
  const gone = (await gx.getOk(`/api/v1/customers?deleted=true&filter[merged_into]=${into.id}`, auth('admin'))).items;
  assert.deepEqual(gone.map((c) => c.id), [from.id], 'the merged-away record is kept, soft-deleted, with a pointer');
  const hist = await gx.getOk(`/api/v1/contacts/${c1.id}/history`, auth('admin'));
  assert.ok(hist.items.some((h) => h.field === 'customer_id' && h.old_value === String(from.id) && h.new_value === String(into.id)));
  const audit = await gx.getOk(`/api/v1/audit?entity=customers&id=${into.id}`, auth('admin'));
  assert.ok(audit.items.some((e) => e.action === 'merge'));
  assertProblem(await gx.post(`/api/v1/customers/${into.id}/merge`, { from: into.id }, auth('admin')), 422);
  assertProblem(await gx.post(`/api/v1/customers/${into.id}/merge`, { from: from.id }, auth('s1')), 403);
});

test('visibility: a rep sees the pool and their own; a manager their team’s; others answer 404', async () => {
  const own = await gx.create('customers', { name: '苏州鑫源贸易' }, auth('s1')); // s1 becomes the owner
  assert.equal(own.in_pool, false);
  const pool = await gx.create('customers', { name: '深圳永安物流' }, auth('admin'));
  assert.equal(pool.in_pool, true);
  const c = await gx.create('contacts', { customer_id: own.id, name: '刘洋' }, auth('s1'));
  assert.equal((await gx.get(`/api/v1/customers/${own.id}`, auth('s1'))).status, 200);
  assert.equal((await gx.get(`/api/v1/customers/${own.id}`, auth('mgr'))).status, 200, 'manager of s1’s team');
  assert.equal((await gx.get(`/api/v1/customers/${own.id}`, auth('svc'))).status, 200, 'service sees all');
  for (const path of [`/api/v1/customers/${own.id}`, `/api/v1/contacts/${c.id}`, `/api/v1/customers/${own.id}/timeline`,
    `/api/v1/customers/${own.id}/team`, `/api/v1/customers/${own.id}/history`]) {
    assertProblem(await gx.get(path, auth('s2')), 404, `s2 GET ${path}`);
  }
  assertProblem(await gx.patch(`/api/v1/customers/${own.id}`, { notes: 'x' }, { ...auth('s2'), ifMatch: '"1"' }), 404);
  const bad = await gx.post('/api/v1/contacts', { customer_id: own.id, name: '偷看' }, auth('s2'));
  assert.equal(errorsFor(assertProblem(bad, 422), 'customer_id', 'not_found').length, 1);
  const seen = (await gx.listAll('customers', '', auth('s2'))).map((x) => x.id);
  assert.ok(seen.includes(pool.id) && !seen.includes(own.id));
  assert.ok(!(await gx.listAll('contacts', '', auth('s2'))).some((x) => x.id === c.id));
  assert.ok(!(await search('鑫源', 's2')).includes('苏州鑫源贸易'), 'search respects visibility');
  assert.ok((await search('鑫源', 's1')).includes('苏州鑫源贸易'));
  assertProblem(await gx.post('/api/v1/customers', { name: '只读' }, auth('ro')), 403);
});

test('pool: claim, cap, release, and the automatic return after N days without follow-up', async () => {
  const a = await gx.create('customers', { name: '成都瑞丰食品' }, auth('admin'));
  const b = await gx.create('customers', { name: '武汉晨光建材' }, auth('admin'));
  let r = await gx.post(`/api/v1/customers/${a.id}/claim`, {}, auth('s2'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.in_pool, false);
  assertProblem(await gx.post(`/api/v1/customers/${a.id}/claim`, {}, auth('s1')), 404, 'another rep’s customer is invisible');
  assertProblem(await gx.post(`/api/v1/customers/${a.id}/claim`, {}, auth('admin')), 409, 'claimed already');
  // cap: s2 holds customers already, a cap of 1 stops the next claim
  const tenant = await gx.getOk('/api/v1/tenant', auth('admin'));
  r = await gx.patch('/api/v1/tenant', { settings: { pool_cap: 1, pool_return_days: 30 } }, auth('admin'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.settings.pool_cap, 1);
  const capped = assertProblem(await gx.post(`/api/v1/customers/${b.id}/claim`, {}, auth('s2')), 409);
  assert.ok(capped.errors.some((e) => e.code === 'pool_cap'));
  assertProblem(await gx.patch('/api/v1/tenant', { settings: { pool_cap: -1 } }, auth('admin')), 422);
  await gx.patch('/api/v1/tenant', { settings: { pool_cap: 0 } }, auth('admin'));
  void tenant;
  r = await gx.post(`/api/v1/customers/${a.id}/release`, {}, auth('s2'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.in_pool, true);
  // automatic return: s2 claims b, then (back-dated) has not followed up for 40 days
  r = await gx.post(`/api/v1/customers/${b.id}/claim`, {}, auth('s2'));
  assert.equal(r.status, 200, r.text);
  let sweep = await gx.post('/api/v1/customers/pool/sweep', {}, auth('admin'));
  assert.equal(sweep.json.returned_to_pool, 0, 'a fresh claim is not returned');
  const old = new Date(Date.now() - 40 * 86400e3).toISOString();
  await sqlite(gx.db, `UPDATE relationships SET created_at = '${old}' WHERE customer_id = ${b.id}`);
  sweep = await gx.post('/api/v1/customers/pool/sweep', {}, auth('admin'));
  assert.equal(sweep.status, 200, sweep.text);
  assert.ok(sweep.json.returned_to_pool >= 1);
  const back = await gx.getOk(`/api/v1/customers/${b.id}`, auth('admin'));
  assert.equal(back.in_pool, true);
  const tl = await gx.getOk(`/api/v1/customers/${b.id}/timeline`, auth('admin'));
  assert.ok(tl.items.some((i) => i.kind === 'change' && i.subject === 'in_pool'), 'the return is on the timeline');
  assert.ok(tl.items.some((i) => i.kind === 'event' && i.subject === 'returned_to_pool'), 'as an event too');
  assert.ok(tl.items.some((i) => i.kind === 'event' && i.subject === 'claim'), 'and the claim before it');
  assert.ok(!tl.items.some((i) => /_key$|_sort$/.test(i.subject)), 'derived keys are nobody’s change');
  assertProblem(await gx.post('/api/v1/customers/pool/sweep', {}, auth('s1')), 403);
});

test('team breadth and the single-person risk filter', async () => {
  const c = await gx.create('customers', { name: '厦门金泰医药' }, auth('s1'));
  let team = await gx.getOk(`/api/v1/customers/${c.id}/team`, auth('s1'));
  assert.equal(team.breadth, 1);
  assert.equal(team.risk, 'single_person');
  const single = await gx.listAll('customers', 'risk=single_person', auth('admin'));
  assert.ok(single.some((x) => x.id === c.id));
  for (const u of ['svc', 'mgr', 's2']) {
    await gx.create('relationships', { customer_id: c.id, user_id: id[u], role: 'service' }, auth('s1'));
  }
  team = await gx.getOk(`/api/v1/customers/${c.id}/team`, auth('s1'));
  assert.equal(team.breadth, 4);
  assert.equal(team.risk, 'broad');
  assert.ok(!(await gx.listAll('customers', 'risk=single_person', auth('admin'))).some((x) => x.id === c.id));
  const dup = await gx.post('/api/v1/relationships', { customer_id: c.id, user_id: id.svc }, auth('s1'));
  assertProblem(dup, 409, 'the same person twice');
  assertProblem(await gx.get('/api/v1/customers?risk=lonely', auth('admin')), 400);
});

test('timeline merges activities and changes, newest first, paginated', async () => {
  const c = await gx.create('customers', { name: '长沙天虹百货' }, auth('admin'));
  const contact = await gx.create('contacts', { customer_id: c.id, name: '赵磊', is_primary: true }, auth('admin'));
  const second = await gx.create('contacts', { customer_id: c.id, name: '孙丽', is_primary: true }, auth('admin'));
  assert.equal((await gx.getOk(`/api/v1/contacts/${contact.id}`, auth('admin'))).is_primary, false, 'one primary contact');
  void second;
  for (let i = 0; i < 5; i++) {
    await gx.create('activities', {
      customer_id: c.id, contact_id: contact.id, channel: i % 2 ? 'visit' : 'phone', subject: `跟进 ${i}`,
      occurred_at: new Date(Date.now() - (5 - i) * 3600e3).toISOString(), duration_min: 10, cost: 500,
    }, auth('admin'));
  }
  const cur = await gx.getOk(`/api/v1/customers/${c.id}`, auth('admin'));
  assert.ok(cur.last_follow_up_at, 'last follow-up kept');
  await gx.patch(`/api/v1/customers/${c.id}`, { status: 'customer' }, { ...auth('admin'), ifMatch: `"${cur.version}"` });
  const all = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const page = await gx.getOk(`/api/v1/customers/${c.id}/timeline?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, auth('admin'));
    all.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  const acts = all.filter((i) => i.kind === 'activity').map((i) => i.subject);
  assert.deepEqual(acts, ['跟进 4', '跟进 3', '跟进 2', '跟进 1', '跟进 0']);
  assert.ok(all.some((i) => i.kind === 'change' && i.subject === 'status' && i.detail === 'customer'));
  const times = all.map((i) => i.at);
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
  assert.equal(new Set(all.map((i) => `${i.kind}${i.id}`)).size, all.length, 'no item twice');
  const future = await gx.post('/api/v1/contacts', { customer_id: c.id, name: '未来人', birthday: '2999-01-01' }, auth('admin'));
  assert.equal(errorsFor(assertProblem(future, 422), 'birthday', 'future_date').length, 1);
  const bad = await gx.post('/api/v1/activities', { customer_id: c.id, channel: 'telepathy', subject: 'x' }, auth('admin'));
  assert.equal(errorsFor(assertProblem(bad, 422), 'channel', 'invalid_option').length, 1);
  const other = await gx.create('customers', { name: '北京银河软件' }, auth('admin'));
  const wrong = await gx.post('/api/v1/activities', { customer_id: other.id, contact_id: contact.id, channel: 'phone', subject: 'x' }, auth('admin'));
  assert.equal(errorsFor(assertProblem(wrong, 422), 'contact_id').length, 1, 'a contact of another customer');
  assertProblem(await gx.post('/api/v1/customers', { name: 'Lower', currency: 'cny' }, auth('admin')), 422);
});

test('handover moves a leaving rep’s customers to a successor and disables them', async () => {
  const leaver = await gx.cliOk(['user', 'add', 'leaver', '--role', 'sales', '--password', 'Leaver-pass-1', '--tenant', 'acme', '--db', gx.db]);
  void leaver;
  const l = await gx.login('leaver', 'Leaver-pass-1');
  const mine = [];
  for (const n of ['东莞宏达电子', '台中乐天軟體', '南京长城建材']) mine.push(await gx.create('customers', { name: n }, { token: l.token }));
  // s2 already serves one of them
  await gx.create('relationships', { customer_id: mine[0].id, user_id: id.s2 }, auth('admin'));
  assertProblem(await gx.post(`/api/v1/users/${l.user.id}/handover`, { to: id.s2 }, auth('mgr')), 403);
  assertProblem(await gx.post(`/api/v1/users/${l.user.id}/handover`, { to: l.user.id }, auth('admin')), 422);
  const r = await gx.post(`/api/v1/users/${l.user.id}/handover`, { to: id.s2 }, auth('admin'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.customers_moved, 3);
  assert.equal(r.json.user_disabled, true);
  for (const c of mine) {
    assert.equal((await gx.get(`/api/v1/customers/${c.id}`, auth('s2'))).status, 200, 'the successor sees them');
    const team = await gx.getOk(`/api/v1/customers/${c.id}/team`, auth('admin'));
    assert.ok(!team.members.some((m) => m.user_id === l.user.id), 'the leaver is off the team');
    assert.equal(team.members.filter((m) => m.user_id === id.s2).length, 1, 'the successor once');
    assert.equal((await gx.getOk(`/api/v1/customers/${c.id}`, auth('admin'))).in_pool, false, 'never fell into the pool');
  }
  assert.equal((await gx.loginRaw('leaver', 'Leaver-pass-1')).status, 401, 'the leaver cannot log in');
  assert.equal((await gx.get('/api/v1/auth/me', { token: l.token })).status, 401, 'their session ended');
});

test('custom fields and option lists: defined at run time, validated, filterable, searchable, in history', async () => {
  const def = (body) => gx.create('custom-fields', body, auth('admin'));
  await def({ entity: 'customers', name: 'move_in_date', type: 'date', label_zh_cn: '入伙日期', label_zh_tw: '入伙日期', label_en: 'Move-in date' });
  await def({ entity: 'customers', name: 'floor_area', type: 'number', label_zh_cn: '面积' });
  await def({ entity: 'customers', name: 'deposit', type: 'money', label_zh_cn: '订金' });
  await def({ entity: 'customers', name: 'building', type: 'option', label_zh_cn: '楼栋', options: ['A栋', 'B栋'], searchable: true });
  await def({ entity: 'customers', name: 'needs', type: 'multi_option', label_zh_cn: '需求', options: ['装修', '车位', '宽带'] });
  await def({ entity: 'customers', name: 'vip', type: 'boolean', label_zh_cn: '贵宾' });
  assertProblem(await gx.post('/api/v1/custom-fields', { entity: 'customers', name: 'Bad Name', type: 'text', label_zh_cn: 'x' }, auth('admin')), 422);
  assertProblem(await gx.post('/api/v1/custom-fields', { entity: 'customers', name: 'opt', type: 'option', label_zh_cn: 'x' }, auth('admin')), 422, 'an option field needs options');
  assertProblem(await gx.post('/api/v1/custom-fields', { entity: 'customers', name: 'x1', type: 'text', label_zh_cn: 'x' }, auth('mgr')), 403);
  await gx.create('option-values', { list: 'customer_type', value: 'property_owner', label_zh_cn: '业主', label_zh_tw: '業主', label_en: 'Property owner' }, auth('admin'));

  const c = await gx.create('customers', {
    name: '王业主', kind: 'person', type: 'property_owner',
    custom: { move_in_date: '2026-12-01', floor_area: 88.5, deposit: 500000, building: 'A栋', needs: ['装修', '车位'], vip: true },
  }, auth('admin'));
  assert.deepEqual(c.custom, { move_in_date: '2026-12-01', floor_area: 88.5, deposit: 500000, building: 'A栋', needs: ['装修', '车位'], vip: true });
  const bad = assertProblem(await gx.post('/api/v1/customers?force=true', {
    name: '错误', type: 'alien', custom: { move_in_date: '2026-13-01', floor_area: 'big', building: 'C栋', needs: ['飞机'], nope: 1 },
  }, auth('admin')), 422);
  for (const [f, code] of [['type', 'invalid_option'], ['custom.move_in_date', 'invalid_format'], ['custom.floor_area', 'type'],
    ['custom.building', 'invalid_option'], ['custom.needs', 'invalid_option'], ['custom.nope', 'unknown_field']]) {
    assert.equal(errorsFor(bad, f, code).length, 1, `${f} ${code}: ${JSON.stringify(bad.errors)}`);
  }
  const ids = async (qs) => (await gx.getOk(`/api/v1/customers?${qs}`, auth('admin'))).items.map((x) => x.id);
  assert.deepEqual(await ids('filter[custom.floor_area][gte]=80'), [c.id]);
  assert.deepEqual(await ids('filter[custom.floor_area][gte]=90'), []);
  assert.deepEqual(await ids(`filter[custom.building]=${encodeURIComponent('A栋')}`), [c.id]);
  assert.deepEqual(await ids('filter[custom.move_in_date][lt]=2027-01-01'), [c.id]);
  assert.ok((await search('A栋')).includes('王业主'), 'a searchable custom field is found by q');
  assertProblem(await gx.get('/api/v1/customers?filter[custom.nope]=1', auth('admin')), 400);
  const r = await gx.patch(`/api/v1/customers/${c.id}`, { custom: { floor_area: 90, building: null } }, { ...auth('admin'), ifMatch: `"${c.version}"` });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.version, c.version + 1);
  assert.equal(r.json.custom.floor_area, 90);
  assert.equal(r.json.custom.building, undefined);
  const hist = await gx.getOk(`/api/v1/customers/${c.id}/history`, auth('admin'));
  assert.ok(hist.items.some((h) => h.field === 'custom.floor_area' && h.old_value === '88.5' && h.new_value === '90'));
  const same = await gx.patch(`/api/v1/customers/${c.id}`, { custom: { floor_area: 90 } }, { ...auth('admin'), ifMatch: `"${r.json.version}"` });
  assert.equal(same.json.version, r.json.version, 'no change, no new version');
});

test('list totals (count=true) of customers, contacts and activities leave out soft-deleted rows and count them again on restore', async () => {
  // these three tables count through a partial index of live rows (migration 0010)
  const a = auth('admin');
  const c = await gx.create('customers', { name: '计数测试客户', kind: 'organisation' }, a);
  const rows = {
    customers: c,
    contacts: await gx.create('contacts', { customer_id: c.id, name: '计数联系人' }, a),
    activities: await gx.create('activities', { customer_id: c.id, channel: 'visit', subject: '计数拜访' }, a),
  };
  for (const [resource, row] of Object.entries(rows).reverse()) {
    const live = await gx.count(resource, a);
    const trash = await gx.count(resource, a, true);
    assert.ok(live >= 1, `${resource}: no live rows counted`);
    assert.equal((await gx.del(`/api/v1/${resource}/${row.id}`, a)).status, 204);
    assert.equal(await gx.count(resource, a), live - 1, `${resource}: a deleted row is counted`);
    assert.equal(await gx.count(resource, a, true), trash + 1, `${resource}: the trash misses it`);
    const r = await gx.post(`/api/v1/${resource}/${row.id}/restore`, undefined, a);
    assert.equal(r.status, 200, `${resource}: ${r.text}`);
    assert.equal(await gx.count(resource, a), live, `${resource}: a restored row is not counted`);
  }
});
