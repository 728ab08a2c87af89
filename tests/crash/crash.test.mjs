// crash.test.mjs — durability: clients stream creates while the server is
// killed with SIGKILL several times and restarted; every create that got a
// 201 must be there afterwards, and PRAGMA integrity_check must say ok.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const bin = resolve(root, process.env.GX_BIN || 'build/asan/guanxi');
const PASSWORD = 'crash-test-pw-1';

function start(db) {
  return new Promise((ok, fail) => {
    const p = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { p.kill('SIGKILL'); fail(new Error('server did not start: ' + err)); }, 20000);
    p.stderr.on('data', (d) => {
      err += d;
      const m = /port (\d+)/.exec(err);
      if (m && !p.port) { p.port = Number(m[1]); clearTimeout(timer); ok(p); }
    });
    p.on('exit', () => { clearTimeout(timer); if (!p.port) fail(new Error('server exited: ' + err)); });
  });
}

const killed = (p) => new Promise((ok) => { if (p.exitCode !== null || p.signalCode) ok(); else { p.once('exit', ok); p.kill('SIGKILL'); } });

test('every acknowledged create survives kill -9', { timeout: 180000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gx-crash-'));
  const db = join(dir, 'crash.db');
  try {
    execFileSync(bin, ['init', '--db', db, '--admin-password', PASSWORD], { stdio: 'ignore' });
    const acknowledged = [];
    let attempts = 0;
    for (let round = 0; round < 5; round++) {
      const srv = await start(db);
      const base = `http://127.0.0.1:${srv.port}`;
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      const { token } = await login.json();
      let stop = false;
      const writer = async (w) => {
        for (let i = 0; !stop && i < 10000; i++) {
          attempts++;
          const name = `r${round}-w${w}-${i}`;
          try {
            const r = await fetch(`${base}/api/v1/teams`, {
              method: 'POST', signal: AbortSignal.timeout(5000),
              headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
              body: JSON.stringify({ name }),
            });
            if (r.status === 201) acknowledged.push({ name, id: (await r.json()).id });
          } catch { /* the server died mid-request: that create was never acknowledged */ }
        }
      };
      const writers = [writer(0), writer(1), writer(2)];
      await new Promise((r) => setTimeout(r, 400 + 200 * round));
      await killed(srv); // SIGKILL while writes are in flight
      stop = true;
      await Promise.all(writers);
    }
    assert.ok(acknowledged.length > 20, `only ${acknowledged.length} creates were acknowledged`);
    // Restart once more and check every acknowledged create is there.
    const srv = await start(db);
    const base = `http://127.0.0.1:${srv.port}`;
    const { token } = await (await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    })).json();
    const names = new Set();
    let cursor = null;
    for (let page = 0; page < 10000; page++) {
      const url = `${base}/api/v1/teams?limit=200&sort=id${cursor ? `&cursor=${cursor}` : ''}`;
      const body = await (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).json();
      for (const t of body.items) names.add(t.name);
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    const missing = acknowledged.filter((a) => !names.has(a.name));
    assert.deepEqual(missing, [], `${missing.length} acknowledged creates were lost`);
    await killed(srv);
    const check = execFileSync('sqlite3', [db, 'PRAGMA integrity_check;']).toString().trim();
    assert.equal(check, 'ok');
    console.log(`# crash test: ${acknowledged.length} acknowledged of ${attempts} attempted creates over 5 kills, none lost`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
