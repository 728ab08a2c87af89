// connections.test.mjs — the server accepts connections itself and hands them
// to libmicrohttpd's pool (src/http/server.c): every connection opened at once
// is served, keep-alive works on each, and the per-IP limit still holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Guanxi } from './harness.mjs';

const gx = new Guanxi({ flags: ['--per-ip-limit', '10', '--threads', '2'] });
before(() => gx.setup());
after(() => gx.stop());

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

// Sends n GET /healthz on s one after another; resolves the number of 200s
// read before the server closed the socket or 3 s passed.
function healthz(s, n) {
  return new Promise((resolve) => {
    let buf = '';
    let sent = 0;
    const answered = () => (buf.match(/HTTP\/1\.1 200 /g) || []).length;
    const done = () => {
      clearTimeout(timer);
      resolve(answered());
    };
    const timer = setTimeout(done, 3000);
    const next = () => {
      sent++;
      s.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
    };
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const got = answered();
      if (got === n) done();
      else if (got === sent) next();
    });
    s.on('close', done);
    s.on('error', () => {});
    next();
  });
}

test('connections opened together are all served, three requests each on keep-alive', async () => {
  const socks = await Promise.all([0, 1, 2, 3, 4, 5].map(() => connect(gx.port)));
  const counts = await Promise.all(socks.map((s) => healthz(s, 3)));
  socks.forEach((s) => s.destroy());
  assert.deepEqual(counts, [3, 3, 3, 3, 3, 3]);
});

test('the per-IP connection limit closes the connections beyond it unanswered', async () => {
  // 14 connections against a limit of 10, of which the harness's own
  // keep-alive connections (at most two) may hold some
  const socks = [];
  for (let i = 0; i < 14; i++) socks.push(await connect(gx.port));
  await new Promise((r) => setTimeout(r, 300)); // the server has taken them all up
  const counts = await Promise.all(socks.map((s) => healthz(s, 1)));
  socks.forEach((s) => s.destroy());
  const served = counts.filter((c) => c === 1).length;
  assert.ok(served >= 8 && served <= 10, `answers per connection: ${counts}`);
  assert.equal(counts.filter((c) => c === 0).length, 14 - served, `answers per connection: ${counts}`);
  // and the server still answers afterwards
  const r = await gx.get('/healthz');
  assert.equal(r.status, 200);
});
