// The attributor over a /proc tree written to a temp folder (real files, real symlinks): PID reuse, a
// process that renames itself, a deleted executable, a 1 MB command line, lookups that fail or hang.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributionLabel } from '../../shared/attribution';
import { Attributor, linuxBackend } from './attributor';
import type { AttributionBackend } from './platform';

let proc: string;
const uid = process.getuid?.() ?? 0;

function tcpLine(sl: number, local: string, remote: string, st: string, owner: number, inode: number): string {
  return `   ${sl}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000 ${owner} 0 ${inode} 1 0 20 4 30 10 -1`;
}
const hexPort = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');

async function writeProcess(pid: number, o: { comm: string; ppid: number; start: number; exe: string; argv: string[]; uid?: number; fds?: Record<string, string> }): Promise<void> {
  const dir = join(proc, String(pid));
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'fd'), { recursive: true });
  const fields = ['S', String(o.ppid), ...Array.from({ length: 17 }, () => '0'), String(o.start), '0'];
  await writeFile(join(dir, 'stat'), `${pid} (${o.comm}) ${fields.join(' ')}\n`);
  await writeFile(join(dir, 'cmdline'), `${o.argv.join('\0')}\0`);
  await writeFile(join(dir, 'status'), `Name:\t${o.comm}\nUid:\t${o.uid ?? uid}\t${o.uid ?? uid}\t${o.uid ?? uid}\t${o.uid ?? uid}\n`);
  await symlink(o.exe, join(dir, 'exe'));
  for (const [fd, target] of Object.entries(o.fds ?? {})) await symlink(target, join(dir, 'fd', fd));
}

async function writeTables(rows: string[]): Promise<void> {
  await writeFile(join(proc, 'net', 'tcp'), ['  sl  local_address rem_address   st', ...rows].join('\n'));
}

before(async () => {
  proc = await mkdtemp(join(tmpdir(), 'loopgate-proc-'));
  await mkdir(join(proc, 'net'), { recursive: true });
  await writeFile(join(proc, 'stat'), 'cpu 0 0\nbtime 1764600000\n');
  await writeProcess(1, { comm: 'systemd', ppid: 0, start: 1, exe: '/usr/lib/systemd/systemd', argv: ['/sbin/init'] });
  await writeProcess(300, { comm: 'bash', ppid: 1, start: 50, exe: '/usr/bin/bash', argv: ['bash'] });
});
after(() => rm(proc, { recursive: true, force: true }));

describe('attributor on a /proc tree', () => {
  test('finds the holder, its parents, start time; a self-renamed process keeps its executable name', async () => {
    await writeTables([tcpLine(0, `0100007F:${hexPort(50000)}`, `0100007F:${hexPort(18789)}`, '01', uid, 7001)]);
    await writeProcess(400, { comm: 'Loopgate window', ppid: 300, start: 1000, exe: '/usr/bin/python3.12', argv: ['python3', '-m', 'agent', '--api-key', 'k'], fds: { 3: 'socket:[7001]', 4: '/dev/null' } });
    const a = await new Attributor(linuxBackend(proc)).peer(50000, 18789);
    assert.equal(a.status, 'found', a.why);
    assert.equal(a.process!.pid, 400);
    assert.equal(a.process!.name, 'python3.12', 'the executable, not what the process calls itself');
    assert.equal(a.process!.title, 'Loopgate window');
    assert.equal(a.process!.script, 'agent');
    assert.equal(a.process!.cmdline, 'python3 -m agent --api-key ***');
    assert.deepEqual(a.process!.parents.map((p) => `${p.pid}:${p.name}`), ['300:bash', '1:systemd']);
    assert.equal(a.process!.startedAtMs, 1764600000_000 + 10_000);
    assert.equal(a.sameUser, true);
    assert.equal(attributionLabel(a), 'python3.12 (agent) · PID 400');
  });

  test('PID reuse: the same PID with another start time is another process', async () => {
    const at = new Attributor(linuxBackend(proc));
    await writeTables([tcpLine(0, `0100007F:${hexPort(50001)}`, `0100007F:${hexPort(18789)}`, '01', uid, 7002)]);
    await writeProcess(500, { comm: 'node', ppid: 300, start: 2000, exe: '/usr/bin/node', argv: ['node', 'good.js'], fds: { 5: 'socket:[7002]' } });
    assert.equal((await at.peer(50001, 18789)).process?.exe, '/usr/bin/node');
    await writeTables([tcpLine(0, `0100007F:${hexPort(50002)}`, `0100007F:${hexPort(18789)}`, '01', uid, 7003)]);
    await writeProcess(500, { comm: 'evil', ppid: 300, start: 2500, exe: '/tmp/evil', argv: ['/tmp/evil'], fds: { 5: 'socket:[7003]' } });
    const b = await at.peer(50002, 18789);
    assert.equal(b.process?.exe, '/tmp/evil', 'not the cached facts of the earlier process');
    assert.equal(b.process?.warning, 'temp-folder');
  });

  test('a deleted executable, a 1 MB command line and an owner that is another user', async () => {
    await writeTables([tcpLine(0, `0100007F:${hexPort(50003)}`, `0100007F:${hexPort(18789)}`, '01', uid + 1, 7004)]);
    await writeProcess(600, { comm: 'x', ppid: 1, start: 3000, exe: '/home/u/agent (deleted)', argv: ['agent', 'A'.repeat(1024 * 1024), '\u202Efake'], uid: uid + 1, fds: { 9: 'socket:[7004]' } });
    const a = await new Attributor(linuxBackend(proc)).peer(50003, 18789);
    assert.equal(a.status, 'found');
    assert.equal(a.process!.exe, '/home/u/agent');
    assert.equal(a.process!.exeDeleted, true);
    assert.equal(a.process!.warning, 'deleted');
    assert.ok(a.process!.cmdline!.length <= 512);
    assert.equal(a.sameUser, false);
    assert.equal(a.socketUid, uid + 1);
  });

  test('a socket nobody visible holds is unknown (owner still told); a closed one is exited', async () => {
    await writeTables([tcpLine(0, `0100007F:${hexPort(50004)}`, `0100007F:${hexPort(18789)}`, '01', uid, 7005)]);
    const at = new Attributor(linuxBackend(proc));
    const hidden = await at.peer(50004, 18789);
    assert.equal(hidden.status, 'unknown');
    assert.equal(hidden.sameUser, true);
    assert.equal((await at.peer(50099, 18789)).status, 'exited');
    // The holder exits between the socket table and its stat: exited, never an error.
    await writeTables([tcpLine(0, `0100007F:${hexPort(50005)}`, `0100007F:${hexPort(18789)}`, '01', uid, 7006)]);
    await mkdir(join(proc, '700', 'fd'), { recursive: true });
    await symlink('socket:[7006]', join(proc, '700', 'fd', '3'));
    assert.equal((await at.peer(50005, 18789)).status, 'exited');
  });

  test('a backend that throws or hangs ends in "unknown" within the timeout', async () => {
    const failing: AttributionBackend = {
      method: 'linux-proc', findPeer: () => Promise.reject(new Error('EACCES /proc/net/tcp')), findListener: () => new Promise(() => {}),
      describe: () => Promise.resolve(undefined), ownUser: () => ({ uid }),
    };
    const at = new Attributor(failing, 100);
    const a = await at.peer(1, 2);
    assert.equal(a.status, 'unknown');
    assert.match(a.why!, /EACCES/);
    const t = performance.now();
    const b = await at.listener(2);
    assert.equal(b.status, 'unknown');
    assert.match(b.why!, /longer than 100 ms/);
    assert.ok(performance.now() - t < 1000);
    // Out of time after the socket table was read: the owner is still told (another user stays another user).
    const slow: AttributionBackend = { ...failing, findPeer: (_p, _o, _l, onOwner) => { onOwner?.(uid + 7); return new Promise(() => {}); } };
    const partial = await new Attributor(slow, 100).peer(1, 2);
    assert.equal(partial.status, 'unknown');
    assert.equal(partial.socketUid, uid + 7);
    assert.equal(partial.sameUser, false);
    const none = await new Attributor(null).peer(1, 2);
    assert.equal(none.method, 'none');
    assert.equal(none.status, 'unknown');
  });
});
