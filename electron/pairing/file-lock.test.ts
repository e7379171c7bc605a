import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withFileLock } from './file-lock';
import { modeOf, runChild, tempDir } from './testdata/fixtures';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

test('in one process, concurrent callers queue: no lost read-modify-write', async (t) => {
  const dir = await tempDir(t);
  const counter = path.join(dir, 'counter');
  const lock = `${counter}.lock`;
  await Promise.all(
    Array.from({ length: 50 }, () =>
      withFileLock(lock, async () => {
        const n = Number(await fsp.readFile(counter, 'utf8').catch(() => '0'));
        await new Promise((resolve) => setImmediate(resolve));
        await fsp.writeFile(counter, String(n + 1));
      }),
    ),
  );
  assert.equal(await fsp.readFile(counter, 'utf8'), '50');
  assert.equal(existsSync(lock), false);
});

test('across processes: two children incrementing 50 times each end at 100', async (t) => {
  const dir = await tempDir(t);
  const counter = path.join(dir, 'counter');
  await fsp.writeFile(counter, '0');
  const a = runChild(['lock-increment', counter, '50']);
  const b = runChild(['lock-increment', counter, '50']);
  await Promise.all([a.ready, b.ready]);
  a.go();
  b.go();
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  assert.equal(await fsp.readFile(counter, 'utf8'), '100');
});

test('the lock file is 0600 and holds the owner pid while held, and is removed after fn throws', async (t) => {
  const dir = await tempDir(t);
  const lock = path.join(dir, 'x.lock');
  await assert.rejects(
    withFileLock(lock, async () => {
      const st = await fsp.stat(lock);
      if (process.platform !== 'win32') assert.equal(modeOf(st), 0o600);
      assert.equal(JSON.parse(await fsp.readFile(lock, 'utf8')).pid, process.pid);
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(existsSync(lock), false);
});

test('a lock left by a dead process is broken at once', async (t) => {
  const dir = await tempDir(t);
  const lock = path.join(dir, 'x.lock');
  await fsp.writeFile(lock, JSON.stringify({ pid: await deadPid(), ts: Date.now(), nonce: 'n' }));
  const t0 = performance.now();
  assert.equal(await withFileLock(lock, () => 'got it', { timeoutMs: 2000 }), 'got it');
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(existsSync(lock), false);
});

test('a lock older than staleMs is broken even if its pid is alive', async (t) => {
  const dir = await tempDir(t);
  const lock = path.join(dir, 'x.lock');
  await fsp.writeFile(lock, JSON.stringify({ pid: process.ppid, ts: Date.now() - 31_000, nonce: 'n' }));
  assert.equal(await withFileLock(lock, () => 1, { timeoutMs: 2000 }), 1);
});

test('a fresh lock of a live process makes waiters time out with LOCK_TIMEOUT, and is left alone', async (t) => {
  const dir = await tempDir(t);
  const lock = path.join(dir, 'x.lock');
  const content = JSON.stringify({ pid: process.ppid, ts: Date.now(), nonce: 'n' });
  await fsp.writeFile(lock, content);
  await assert.rejects(withFileLock(lock, () => 1, { timeoutMs: 100 }), { code: 'LOCK_TIMEOUT' });
  assert.equal(await fsp.readFile(lock, 'utf8'), content);
  // An empty lock file (owner still writing it) is not stale either.
  await fsp.writeFile(lock, '');
  await assert.rejects(withFileLock(lock, () => 1, { timeoutMs: 50 }), { code: 'LOCK_TIMEOUT' });
});

test('a lock file naming this process but not held by it (pid reuse after a crash) is broken', async (t) => {
  const dir = await tempDir(t);
  const lock = path.join(dir, 'x.lock');
  await fsp.writeFile(lock, JSON.stringify({ pid: process.pid, ts: Date.now(), nonce: 'old' }));
  assert.equal(await withFileLock(lock, () => 'ok', { timeoutMs: 1000 }), 'ok');
});
