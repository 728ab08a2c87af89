// backup.test.mjs — `guanxi backup` while serve runs (also under writes), then
// changes, stop, `guanxi restore`, start: the data is as at backup time.
// Restoring a garbage, truncated, foreign or missing file is refused and
// leaves the database as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Guanxi, sqlite, ON_PG } from './harness.mjs';

// On PostgreSQL, backup and restore are pg_dump's and pg_restore's job
// (docs/scaling.md): `guanxi backup` and `restore` refuse, and these tests
// read and write SQLite files.
const PG_SKIP = 'SQLite only: on PostgreSQL backups are made with pg_dump -Fc and pg_restore (docs/scaling.md)';

const gx = new Guanxi();
let auth;
let backupFile;
let atBackup; // what the API showed when the backup was taken

/** Everything the API shows of the data. */
async function apiState() {
  const teams = await gx.listAll('teams', 'sort=id', auth);
  const trash = await gx.listAll('teams', 'sort=id&deleted=true', auth);
  const users = await gx.listAll('users', 'sort=id', auth);
  const strip = ({ last_login_at, ...u }) => u; // logging in changes it
  const audit = (await gx.getOk('/api/v1/audit?limit=200', auth)).items.filter((e) => e.action !== 'login');
  return { teams, trash, users: users.map(strip), tenant: await gx.getOk('/api/v1/tenant', auth), audit };
}

/** A logical dump of the database file (the server must be stopped). */
const dump = () => sqlite(gx.db, '.dump');

before(async () => {
  await gx.setup();
  auth = { token: (await gx.login('admin')).token };
  backupFile = join(gx.dir, 'backup.db');
});
after(() => gx.stop());

test('backup while serving, change, stop, restore, start: the data is as at backup time', async (t) => {
  if (ON_PG) return t.skip(PG_SKIP);
  // data: live, updated and deleted teams, a user, tenant settings
  const t1 = await gx.create('teams', { name: '华东销售部', description: 'east' }, auth);
  const t2 = await gx.create('teams', { name: 'North', manager_id: null }, auth);
  const t3 = await gx.create('teams', { name: 'Gone' }, auth);
  assert.equal((await gx.patch(`/api/v1/teams/${t1.id}`, { description: 'east, v2' }, { ...auth, ifMatch: '"1"' })).status, 200);
  assert.equal((await gx.del(`/api/v1/teams/${t3.id}`, auth)).status, 204);
  const u = await gx.create('users', { username: 'wang', display_name: '王芳', role: 'sales', team_id: t1.id, password: 'Wang-password-1' }, auth);
  assert.equal((await gx.patch('/api/v1/tenant', { name: '关系贸易有限公司' }, auth)).status, 200);
  atBackup = await apiState();

  const b = await gx.cli(['backup', backupFile, '--db', gx.db]);
  assert.equal(b.code, 0, `backup failed: ${b.stderr}`);
  assert.ok(existsSync(backupFile) && statSync(backupFile).size > 0, 'no backup file');
  assert.equal((await sqlite(backupFile, 'PRAGMA integrity_check')).trim(), 'ok');
  assert.ok(!existsSync(backupFile + '-wal') || statSync(backupFile + '-wal').size === 0, 'the backup needs a WAL file beside it');
  assert.equal((await sqlite(backupFile, `SELECT name FROM teams WHERE id = ${t1.id}`)).trim(), '华东销售部');
  await gx.assertHealthy('after backup');

  // change everything after the backup
  const t4 = await gx.create('teams', { name: 'After backup' }, auth);
  assert.equal((await gx.patch(`/api/v1/teams/${t2.id}`, { name: 'North renamed' }, { ...auth, ifMatch: '"1"' })).status, 200);
  assert.equal((await gx.del(`/api/v1/teams/${t1.id}`, auth)).status, 204);
  assert.equal((await gx.post(`/api/v1/teams/${t3.id}/restore`, undefined, auth)).status, 200);
  const uu = await gx.get(`/api/v1/users/${u.id}`, auth);
  assert.equal((await gx.patch(`/api/v1/users/${u.id}`, { role: 'readonly', disabled: true }, { ...auth, ifMatch: uu.headers.get('etag') })).status, 200);
  assert.equal((await gx.patch('/api/v1/tenant', { name: 'Changed later' }, auth)).status, 200);
  assert.notDeepEqual(await apiState(), atBackup);

  await gx.stopServer();
  const r = await gx.cli(['restore', backupFile, '--db', gx.db]);
  assert.equal(r.code, 0, `restore failed: ${r.stderr}`);
  const check = await gx.cli(['check', '--db', gx.db]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /ok/);
  await gx.start();
  auth = { token: (await gx.login('admin')).token };
  const now = await apiState();
  assert.deepEqual(now.teams, atBackup.teams, 'teams differ from backup time');
  assert.deepEqual(now.trash, atBackup.trash, 'deleted teams differ from backup time');
  assert.deepEqual(now.users, atBackup.users, 'users differ from backup time');
  assert.deepEqual(now.tenant, atBackup.tenant, 'tenant settings differ from backup time');
  assert.deepEqual(now.audit, atBackup.audit, 'the audit log differs from backup time');
  assertAbsent(now.teams, t4.id);
  // the restored user can log in with the password they had then
  const wang = await gx.login('wang', 'Wang-password-1');
  assert.equal(wang.user.role, 'sales');
  // writing works after a restore
  const t5 = await gx.create('teams', { name: 'After restore' }, auth);
  assert.equal((await gx.getOk(`/api/v1/teams/${t5.id}`, auth)).name, 'After restore');
  assert.equal((await gx.del(`/api/v1/teams/${t5.id}`, auth)).status, 204);
});

function assertAbsent(items, id) {
  assert.ok(!items.some((x) => x.id === id), `record ${id} from after the backup is there`);
}

test('a backup taken while clients write is consistent (integrity ok, no holes)', async (t) => {
  if (ON_PG) return t.skip(PG_SKIP);
  let stop = false, created = 0;
  const writer = (async () => {
    for (let i = 0; !stop && i < 5000; i++) {
      const r = await gx.post('/api/v1/teams', { name: `busy-${i}` }, auth);
      assert.equal(r.status, 201, r.text);
      created++;
    }
  })();
  const file = join(gx.dir, 'busy.db');
  try {
    while (created < 5) await new Promise((r) => setTimeout(r, 10));
    const b = await gx.cli(['backup', file, '--db', gx.db]);
    assert.equal(b.code, 0, `backup under writes failed: ${b.stderr}`);
  } finally {
    stop = true;
    await writer;
  }
  assert.equal((await sqlite(file, 'PRAGMA integrity_check')).trim(), 'ok');
  const inBackup = Number((await sqlite(file, "SELECT count(*) FROM teams WHERE name LIKE 'busy-%'")).trim());
  assert.ok(inBackup >= 5 && inBackup <= created, `the backup holds ${inBackup} of ${created} teams`);
  // busy-0 .. busy-(n-1), no holes: a consistent snapshot of a sequential writer
  const maxIdx = Number((await sqlite(file, "SELECT max(CAST(substr(name, 6) AS INTEGER)) FROM teams WHERE name LIKE 'busy-%'")).trim());
  assert.equal(maxIdx, inBackup - 1, 'the backup has holes');
  for (let i = 0; i < created; i++) {
    const r = await gx.getOk(`/api/v1/teams?filter[name]=busy-${i}`, auth);
    assert.equal((await gx.del(`/api/v1/teams/${r.items[0].id}`, auth)).status, 204);
  }
});

test('restoring a garbage, truncated, foreign, empty or missing file is refused and changes nothing', async (t) => {
  if (ON_PG) return t.skip(PG_SKIP);
  const expected = await apiState();
  await gx.stopServer();
  const before = await dump();
  const bad = [];
  const garbage = join(gx.dir, 'garbage.db');
  writeFileSync(garbage, randomBytes(64 * 1024));
  bad.push(['random bytes', garbage]);
  const fake = join(gx.dir, 'fake-header.db');
  writeFileSync(fake, Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(16 * 1024)]));
  bad.push(['a SQLite header and garbage', fake]);
  const whole = readFileSync(backupFile);
  const truncated = join(gx.dir, 'truncated.db');
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
  bad.push(['a truncated backup', truncated]);
  const foreign = join(gx.dir, 'foreign.db');
  await sqlite(foreign, "CREATE TABLE t (x); INSERT INTO t VALUES ('not guanxi');");
  bad.push(['a SQLite file that is not guanxi', foreign]);
  const empty = join(gx.dir, 'empty.db');
  writeFileSync(empty, '');
  bad.push(['an empty file', empty]);
  const text = join(gx.dir, 'backup.sql');
  writeFileSync(text, before);
  bad.push(['an SQL dump', text]);
  bad.push(['a missing file', join(gx.dir, 'no-such-backup.db')]);
  bad.push(['a directory', gx.dir]);
  for (const [what, file] of bad) {
    const r = await gx.cli(['restore', file, '--db', gx.db]);
    assert.notEqual(r.code, 0, `restore of ${what} succeeded: ${r.stdout}`);
    assert.ok(r.stderr.trim().length > 0, `restore of ${what} failed without saying why`);
    assert.equal(await dump(), before, `restore of ${what} changed the database`);
  }
  const check = await gx.cli(['check', '--db', gx.db]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  await gx.start();
  auth = { token: (await gx.login('admin')).token };
  assert.deepEqual(await apiState(), expected, 'the data changed after refused restores');
});
