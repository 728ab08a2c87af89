// replica.test.mjs — read replicas (db_replica) on two local PostgreSQL
// clusters in streaming replication: a primary started by scripts/pg.sh and
// a hot standby made from it with `pg.sh replica` (pg_basebackup -R). Writes
// go to the primary and are seen on the replica after its replay; reads go
// to the replica once it has replayed the server's writes, else to the
// primary (read-your-own-writes); the server keeps answering reads while the
// replica is stopped, and goes back to it when it returns.
// Runs only when GX_TEST_PG_URL is set (PostgreSQL is there); the clusters
// are its own, in a temp dir, stopped by PID at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Guanxi, ON_PG, ROOT, USER_PASSWORD, sleep, sqlite } from './harness.mjs';

const SKIP = ON_PG ? false : 'needs PostgreSQL: set GX_TEST_PG_URL (make test starts a cluster and sets it)';
const PG_SH = join(ROOT, 'scripts/pg.sh');

let dir, primary, replica, gx, auth;

/** Runs scripts/pg.sh; resolves its stdout (the URL for start and replica). */
function pgsh(...args) {
  return new Promise((ok, fail) => {
    execFile(PG_SH, args, { timeout: 90_000 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`pg.sh ${args.join(' ')}: ${stderr || err.message}`));
      else ok(String(stdout).trim());
    });
  });
}

/** A free loopback TCP port. */
function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** Polls f until it resolves truthy, at most ms; resolves its value or fails with what. */
async function until(f, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

const onPrimary = (sql) => sqlite(primary, sql);
const onReplica = (sql) => sqlite(replica, sql);
const lsn = (text) => { const [hi, lo] = text.trim().split('/'); return (BigInt('0x' + hi) << 32n) + BigInt('0x' + lo); };

/** Waits until the replica has replayed everything the primary has written so far. */
async function caughtUp() {
  const target = lsn(await onPrimary('SELECT pg_current_wal_insert_lsn()'));
  // one more WAL record (an xid's commit) after the target: at a page
  // boundary the insert position counts the next page's header, which the
  // replica's replay position only passes with the next record
  await onPrimary('SELECT txid_current()');
  await until(async () => lsn(await onReplica('SELECT coalesce(pg_last_wal_replay_lsn(), \'0/0\')')) >= target,
    'the replica catches up with the primary');
}

/** The connections the server holds on the replica. */
const replicaConns = async () => Number((await onReplica(
  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'guanxi-replica'")).trim());

before(async () => {
  if (SKIP) return;
  dir = mkdtempSync('/tmp/gx-repl-');
  chmodSync(dir, 0o755); // the clusters' owner (postgres when run as root) must reach them
  primary = await pgsh('start', join(dir, 'primary'), String(await freePort()));
  replica = await pgsh('replica', join(dir, 'replica'), String(await freePort()), join(dir, 'primary'));
  // no periodic jobs: their writes would send reads to the primary at odd times
  gx = new Guanxi({ pgUrl: primary, replica, flags: ['--job-interval', '86400'], users: [{ name: 'sam', role: 'sales' }] });
  await gx.setup();
  auth = { token: (await gx.login('admin')).token };
});

after(async () => {
  if (SKIP) return;
  try {
    if (gx) await gx.stop();
  } finally {
    await pgsh('stop', join(dir, 'replica')).catch(() => {});
    await pgsh('stop', join(dir, 'primary')).catch(() => {});
    if (gx && !gx.problems.length) rmSync(dir, { recursive: true, force: true });
  }
});

test('the two clusters stream: the replica is a standby the primary sends WAL to', { skip: SKIP }, async () => {
  assert.equal((await onReplica('SELECT pg_is_in_recovery()')).trim(), 't');
  assert.equal((await onPrimary('SELECT pg_is_in_recovery()')).trim(), 'f');
  assert.equal((await onPrimary("SELECT state FROM pg_stat_replication")).trim(), 'streaming');
  assertProblemFree(await gx.post('/api/v1/teams', { name: 'on-the-replica?' }, auth), 'a write');
});

test('writes through the API land on the primary and are seen on the replica after its replay', { skip: SKIP }, async () => {
  const t = await gx.create('teams', { name: '华南销售部', description: 'replicated' }, auth);
  const q = `SELECT name, description FROM ${gx.schema}.teams WHERE id = ${t.id}`;
  assert.equal((await onPrimary(q)).trim(), '华南销售部|replicated');
  await until(async () => (await onReplica(q)).trim() === '华南销售部|replicated', 'the new team on the replica');
  const u = await gx.getOk(`/api/v1/teams/${t.id}`, auth);
  const p = await gx.patch(`/api/v1/teams/${t.id}`, { description: 'changed' }, { ...auth, ifMatch: `"${u.version}"` });
  assert.equal(p.status, 200, p.text);
  await until(async () => (await onReplica(q)).trim() === '华南销售部|changed', 'the update on the replica');
  // the replica refuses writes: it is a standby
  await assert.rejects(onReplica(`UPDATE ${gx.schema}.teams SET name = 'x' WHERE id = ${t.id}`), /read-only/);
});

test('reads go to the replica once it has replayed the server\'s writes', { skip: SKIP }, async () => {
  await caughtUp();
  await gx.getOk('/api/v1/users?limit=5', auth); // a read on the replica opens a connection there
  assert.ok(await replicaConns() >= 1, 'the server holds no connection on the replica');
  // Freeze the replica, then write behind the server's back (another
  // process): the server cannot know, and reads what the replica shows.
  await onReplica('SELECT pg_wal_replay_pause()');
  try {
    await gx.cliOk(['user', 'add', 'bob', '--role', 'sales', '--password', USER_PASSWORD, '--tenant', 'acme', '--db', gx.db]);
    assert.equal((await onPrimary(`SELECT count(*) FROM ${gx.schema}.users WHERE username = 'bob'`)).trim(), '1');
    const seen = await gx.getOk('/api/v1/users?filter[username]=bob', auth);
    assert.equal(seen.items.length, 0, 'the read did not come from the (paused) replica');
    // read-your-own-writes: the server's own write is read back at once,
    // from the primary, although the replica has not replayed it
    const t = await gx.create('teams', { name: 'while-paused' }, auth);
    assert.equal((await gx.getOk(`/api/v1/teams/${t.id}`, auth)).name, 'while-paused');
    assert.ok((await gx.listAll('teams', 'filter[name]=while-paused', auth)).some((x) => x.id === t.id),
      'the list right after the write misses it');
    assert.equal((await onReplica(`SELECT count(*) FROM ${gx.schema}.teams WHERE id = ${t.id}`)).trim(), '0',
      'the paused replica replayed');
    // and so the primary answers reads until the replica catches up: bob is there
    assert.equal((await gx.getOk('/api/v1/users?filter[username]=bob', auth)).items.length, 1);
  } finally {
    await onReplica('SELECT pg_wal_replay_resume()');
  }
  await caughtUp();
  assert.equal((await gx.getOk('/api/v1/users?filter[username]=bob', auth)).items.length, 1);
});

test('the server keeps answering reads (and writes) while the replica is stopped, and returns to it', { skip: SKIP }, async () => {
  const sam = await gx.login('sam');
  const me = await gx.getOk('/api/v1/auth/me', { token: sam.token });
  await caughtUp();
  await pgsh('stop', join(dir, 'replica'));
  for (let i = 0; i < 20; i++) {
    assert.equal((await gx.getOk('/api/v1/auth/me', { token: sam.token })).user.id, me.user.id);
    await gx.getOk(`/api/v1/users/${me.user.id}`, auth);
    await gx.getOk('/api/v1/teams?limit=50&count=true', auth);
  }
  const t = await gx.create('teams', { name: 'replica-down' }, auth);
  assert.equal((await gx.getOk(`/api/v1/teams/${t.id}`, auth)).name, 'replica-down');
  await gx.assertHealthy('with the replica stopped');
  assert.match(gx.stderr, /read replica does not answer; reads go to the primary/);
  // back: after its retry delay the server reads from it again
  await pgsh('replica', join(dir, 'replica'), replica.replace(/.*:(\d+)\/.*/, '$1'), join(dir, 'primary'));
  await caughtUp();
  await until(async () => {
    await gx.getOk('/api/v1/teams?limit=5', auth);
    // the log line follows the connection (and the log writer may batch it)
    return await replicaConns() >= 1 && /read replica answers again/.test(gx.stderr);
  }, 'the server reading from the restarted replica and saying so', 30_000);
});

/** A write's answer is a 2xx. */
function assertProblemFree(res, what) {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${res.text}`);
}
