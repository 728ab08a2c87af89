// openapi.test.mjs — GET /api/v1/openapi.json is a valid OpenAPI 3.1
// document (checked by @seriousme/openapi-schema-validator, which knows
// nothing of guanxi), describes every route the server answers, and the
// records the server returns match the schemas it publishes (ajv, JSON
// Schema 2020-12), so the description cannot drift from the code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Guanxi } from '../api/harness.mjs';

const gx = new Guanxi();
let tok;
let doc;
before(async () => {
  await gx.setup();
  tok = (await gx.login()).token;
  const r = await gx.get('/api/v1/openapi.json');
  assert.equal(r.status, 200, r.text.slice(0, 300));
  doc = r.json;
});
after(() => gx.stop());

test('the description is valid OpenAPI 3.1 for an independent validator', async () => {
  assert.equal(doc.openapi, '3.1.0');
  const v = new Validator();
  const res = await v.validate(doc);
  if (!res.valid) assert.fail(`not valid OpenAPI: ${JSON.stringify(res.errors, null, 1).slice(0, 6000)}`);
  assert.equal(v.version, '3.1');
  // operation ids are unique; every $ref resolves
  const ids = new Set();
  const refs = [];
  const walk = (o) => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o && typeof o === 'object') {
      for (const [k, val] of Object.entries(o)) {
        if (k === '$ref') refs.push(val);
        else walk(val);
      }
    }
  };
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
    }
  }
  walk(doc);
  for (const r of refs) {
    const parts = r.replace(/^#\//, '').split('/');
    let o = doc;
    for (const p of parts) o = o?.[p];
    assert.ok(o, `unresolved $ref ${r}`);
  }
});

test('every route of the server is described, and nothing else', async () => {
  // a route the description names answers something other than 404/405
  const paths = Object.keys(doc.paths);
  for (const want of ['/api/v1/customers', '/api/v1/customers/{id}', '/api/v1/contacts/{id}/history',
    '/api/v1/imports', '/api/v1/imports/{id}/errors.csv', '/api/v1/imports/{id}/undo',
    '/api/v1/exports/{entity}', '/api/v1/import-mappings', '/api/v1/openapi.json', '/api/v1/auth/login',
    '/api/v1/users', '/healthz']) {
    assert.ok(paths.includes(want), `${want} is not described`);
  }
  let checked = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      if (method !== 'get') continue;
      const url = path.replace('{id}', '1').replace('{entity}', 'customers');
      const r = await gx.get(url, { token: tok });
      assert.ok(r.status !== 405 && !(r.status === 404 && /no such resource/.test(r.text)),
        `GET ${url} is described but the server has no such route (${r.status})`);
      checked++;
    }
  }
  assert.ok(checked > 20, `only ${checked} GET routes checked`);
  // and a route the server does not have is not in the description
  assert.equal((await gx.get('/api/v1/no-such-thing', { token: tok })).status, 404);
  assert.ok(!paths.includes('/api/v1/no-such-thing'));
});

test('entity schemas come from the field descriptors: labels, enums, limits', () => {
  const s = doc.components.schemas;
  const c = s.Customers;
  assert.ok(c && c.properties.name && c.properties.code && c.properties.custom, 'Customers schema');
  assert.equal(c.properties.name.maxLength, 200);
  assert.deepEqual(c.properties.name['x-labels'], { 'zh-CN': '客户名称', 'zh-TW': '客戶名稱', en: 'Name' });
  assert.ok(c.properties.status.enum.includes('prospect'));
  assert.equal(c.properties.credit_limit.type[0], 'integer');
  assert.ok(!('name_key' in c.properties), 'hidden fields stay hidden');
  assert.ok(s.CustomersCreate.required.includes('name'));
  assert.ok(!('in_pool' in s.CustomersCreate.properties), 'read-only fields are not input');
  assert.ok('owner_id' in s.CustomersCreate.properties, 'input-only fields are input');
  const list = doc.paths['/api/v1/customers'].get;
  const names = list.parameters.map((p) => p.name ?? p.$ref);
  assert.ok(names.includes('filter[status]') && names.includes('sort'), names.join(' '));
  assert.ok(doc.paths['/api/v1/openapi.json'].get.security.length === 0, 'openapi.json is public');
});

test('what the server answers matches the schemas it describes', async () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'guanxi', components: doc.components });
  const check = (schema, value, what) => {
    const validate = ajv.compile({ $ref: `guanxi#/components/schemas/${schema}` });
    assert.ok(validate(value), `${what} does not match ${schema}: ${JSON.stringify(validate.errors).slice(0, 1500)}`);
  };
  const cust = await gx.create('customers', { name: '深圳市腾达电子有限公司', mobile: '13800138000', credit_limit: 1234500, status: 'prospect' }, { token: tok });
  check('Customers', cust, 'a created customer');
  check('CustomersList', await gx.getOk('/api/v1/customers?limit=5', { token: tok }), 'a customer list');
  const contact = await gx.create('contacts', { customer_id: cust.id, name: '李娜', birthday: '1988-02-29' }, { token: tok });
  check('Contacts', contact, 'a contact');
  const act = await gx.create('activities', { customer_id: cust.id, channel: 'visit', subject: '拜访' }, { token: tok });
  check('Activities', act, 'an activity');
  const users = await gx.getOk('/api/v1/users', { token: tok });
  check('UsersList', users, 'the user list');
  const bad = await gx.post('/api/v1/customers', { name: 5 }, { token: tok });
  check('Problem', bad.json, 'a problem');
  const imp = await gx.post('/api/v1/imports?wait=true', undefined, { token: tok, raw: 'name\n测试公司\n', contentType: 'text/csv' });
  assert.equal(imp.status, 200, imp.text);
  check('ImportBatch', imp.json, 'an import batch');
});
