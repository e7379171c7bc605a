import assert from 'node:assert/strict';
import { existsSync, promises as fsp, statSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { PairingStore, type PairingStoreOptions } from './pairing-store';
import { readStoreState } from './store-load';
import type { StoreFileV2 } from './store-schema';
import { allFiles, makeDevice, modeOf, runChild, tempDir } from './testdata/fixtures';
import { hashToken, newToken, tokenMatches } from './token-hash';

const posix = process.platform !== 'win32';

async function openStore(t: TestContext, dir: string, opts: PairingStoreOptions = {}): Promise<PairingStore> {
  const store = await PairingStore.open(dir, { refreshIntervalMs: 0, ...opts });
  t.after(() => store.close().catch(() => undefined));
  return store;
}

/** The store as a reader sees it: snapshot, then the journal's records. */
async function readStoreFile(dir: string): Promise<StoreFileV2> {
  return readStoreState(path.join(dir, 'pairing.json'), path.join(dir, 'pairing.journal'));
}

async function seed(dir: string, count: number): Promise<Buffer> {
  const devices = Object.fromEntries(Array.from({ length: count }, (_, i) => [`d${i}`, makeDevice(`d${i}`)]));
  const bytes = Buffer.from(JSON.stringify({ version: 2, generation: 1, updatedAtMs: 1, devices }, null, 2));
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await fsp.writeFile(path.join(dir, 'pairing.json'), bytes, { mode: 0o600 });
  return bytes;
}

test('fresh install: folder 0700, nothing written until the first change, then file and lock 0600 (ST-08)', async (t) => {
  const dir = path.join(await tempDir(t), 'home', 'loopgate');
  const store = await openStore(t, dir);
  assert.deepEqual(store.health(), { ok: true });
  assert.equal(store.size(), 0);
  if (posix) assert.equal(modeOf(await fsp.stat(dir)), 0o700);
  assert.equal(existsSync(store.filePath), false);
  let lockMode = -1;
  await store.mutate((devices) => {
    devices.set('a', makeDevice('a'));
    lockMode = modeOf(statSync(path.join(dir, 'pairing.json.lock'))); // fn is synchronous
  });
  if (posix) {
    assert.equal(lockMode, 0o600);
    assert.equal(modeOf(await fsp.stat(store.filePath)), 0o600);
    assert.equal(modeOf(await fsp.stat(store.journalPath)), 0o600);
  }
  assert.equal((await readStoreFile(dir)).generation, 1);
  assert.equal(existsSync(`${store.filePath}.lock`), false);
});

test('mutate persists, returns fn result, bumps generation, and skips writes that change nothing', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  let changes = 0;
  store.onChange(() => changes++);
  assert.equal(await store.mutate((d) => (d.set('a', makeDevice('a')), 'added')), 'added');
  assert.equal(changes, 1);
  const before = await fsp.stat(store.journalPath, { bigint: true });
  assert.equal(await store.mutate((d) => d.has('a')), true);
  await store.mutate((d) => void d.set('a', makeDevice('a'))); // same content
  const after = await fsp.stat(store.journalPath, { bigint: true });
  assert.equal(after.mtimeNs, before.mtimeNs);
  assert.equal((await readStoreFile(dir)).generation, 1);
  assert.equal(changes, 1);
  const reopened = await openStore(t, dir);
  assert.deepEqual(reopened.get('a'), store.get('a'));
  assert.equal(reopened.list().length, 1);
});

test('if fn throws, returns a promise, or leaves an invalid record, nothing is written and memory is unchanged', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  const bytes = await fsp.readFile(store.journalPath);
  const snapshot = JSON.stringify(store.get('a'));
  await assert.rejects(store.mutate((d) => { d.get('a')!.displayName = 'changed'; d.set('b', makeDevice('b')); throw new Error('nope'); }), /nope/);
  await assert.rejects(store.mutate(async (d) => void d.set('b', makeDevice('b'))), /synchronous/);
  await assert.rejects(store.mutate((d) => void d.set('wrong-key', makeDevice('b'))), /invalid store/);
  await assert.rejects(store.mutate((d) => void d.set('__proto__', makeDevice('__proto__'))), /not a valid device id/);
  await assert.rejects(store.mutate((d) => { d.get('a')!.tokens.operator!.hash = 'plaintext'; }), /invalid store/);
  assert.deepEqual(await fsp.readFile(store.journalPath), bytes);
  assert.equal(JSON.stringify(store.get('a')), snapshot);
  assert.equal(store.size(), 1);
});

test('ST-03: a writer killed between temp write and rename leaves the old snapshot; reopen removes the orphan', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('old', makeDevice('old')));
  const oldBytes = await fsp.readFile(store.filePath);
  // The child appends its device (acknowledged: in the journal), then dies inside the snapshot rewrite.
  const result = await runChild(['add-device', dir, 'new'], { LOOPGATE_FAULT: 'crash-before-rename' }).done;
  assert.equal(result.signal, 'SIGKILL', result.stderr);
  assert.deepEqual(await fsp.readFile(store.filePath), oldBytes);
  const parsed = await readStoreFile(dir);
  assert.deepEqual(Object.keys(parsed.devices).sort(), ['new', 'old']);
  const orphans = (await fsp.readdir(dir)).filter((n) => n.endsWith('.tmp'));
  assert.equal(orphans.length, 1);
  if (posix) assert.equal(modeOf(await fsp.stat(path.join(dir, orphans[0]!))), 0o600);
  const reopened = await openStore(t, dir);
  assert.deepEqual(reopened.health(), { ok: true });
  assert.deepEqual(reopened.list().map((d) => d.deviceId).sort(), ['new', 'old']);
  assert.deepEqual((await fsp.readdir(dir)).filter((n) => n.endsWith('.tmp')), []);
  // The lock of the killed child (if it held one) does not block us.
  await reopened.mutate((d) => void d.set('after', makeDevice('after')));
  await reopened.close();
});

test('ST-01: a truncated file is quarantined byte for byte; the store fails closed and never writes {}', async (t) => {
  const dir = await tempDir(t);
  const full = await seed(dir, 20);
  const half = full.subarray(0, full.length >> 1);
  await fsp.writeFile(path.join(dir, 'pairing.json'), half);
  const store = await openStore(t, dir);
  const h = store.health();
  assert.equal(h.ok, false);
  assert.match(h.error ?? '', /not valid JSON/);
  assert.match(path.basename(h.quarantinedTo ?? ''), /^pairing\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
  assert.deepEqual(await fsp.readFile(h.quarantinedTo!), half);
  assert.deepEqual(store.list(), []);
  assert.equal(store.get('d0'), undefined);
  store.touch('d0', { lastSeenAtMs: 5 });
  await assert.rejects(store.mutate((d) => void d.set('x', makeDevice('x'))), { code: 'STORE_UNAVAILABLE' });
  await store.flush();
  assert.equal(existsSync(store.filePath), false);

  // Still unavailable after a restart: the copy aside means approvals exist somewhere, so "missing" is not "empty".
  const again = await openStore(t, dir);
  assert.equal(again.health().ok, false);
  assert.equal(again.health().quarantinedTo, h.quarantinedTo);
  await assert.rejects(again.mutate(() => undefined), { code: 'STORE_UNAVAILABLE' });
  assert.equal(existsSync(store.filePath), false);

  // Only an explicit reset starts over, and the copy stays.
  await again.resetQuarantined();
  assert.deepEqual(again.health(), { ok: true });
  assert.equal(again.size(), 0);
  assert.deepEqual(await fsp.readFile(h.quarantinedTo!), half);
  await again.mutate((d) => void d.set('x', makeDevice('x')));
  await assert.rejects(again.resetQuarantined(), /refusing to reset/);
});

test('ST-02: array, null, other shapes and schema violations are quarantined, never written over', async (t) => {
  for (const content of ['[]', 'null', '"null"', '42', '', '{"version":2,"generation":0,"updatedAtMs":0,"devices":{"a":{"deviceId":"a"}}}']) {
    const dir = await tempDir(t);
    await fsp.writeFile(path.join(dir, 'pairing.json'), content, { mode: 0o600 });
    const store = await openStore(t, dir);
    assert.equal(store.health().ok, false, content);
    assert.equal(await fsp.readFile(store.health().quarantinedTo!, 'utf8'), content);
    await assert.rejects(store.mutate((d) => void d.set('x', makeDevice('x'))), { code: 'STORE_UNAVAILABLE' });
    assert.equal(existsSync(store.filePath), false, content);
  }
});

test('a store from a newer version is refused and left in place (a downgrade never overwrites it)', async (t) => {
  const dir = await tempDir(t);
  const content = '{"version":3,"generation":9,"devices":{},"somethingNew":true}';
  await fsp.writeFile(path.join(dir, 'pairing.json'), content, { mode: 0o600 });
  const store = await openStore(t, dir);
  const h = store.health();
  assert.equal(h.ok, false);
  assert.match(h.error ?? '', /newer than this build supports/);
  assert.equal(h.quarantinedTo, undefined);
  await assert.rejects(store.mutate((d) => void d.set('x', makeDevice('x'))), { code: 'STORE_UNAVAILABLE' });
  assert.equal(await fsp.readFile(store.filePath, 'utf8'), content);
  // Explicit reset moves it aside (kept) before starting over.
  await store.resetQuarantined();
  const kept = (await fsp.readdir(dir)).find((n) => n.startsWith('pairing.json.corrupt-'));
  assert.equal(await fsp.readFile(path.join(dir, kept!), 'utf8'), content);
});

test('ST-07: a group/world-writable store is refused until the mode is fixed', { skip: !posix }, async (t) => {
  const dir = await tempDir(t);
  const bytes = await seed(dir, 2);
  await fsp.chmod(path.join(dir, 'pairing.json'), 0o666);
  const store = await openStore(t, dir);
  assert.equal(store.health().ok, false);
  assert.match(store.health().error ?? '', /writable by group or others/);
  assert.equal(store.get('d0'), undefined);
  await assert.rejects(store.mutate(() => undefined), { code: 'STORE_UNAVAILABLE' });
  assert.deepEqual(await fsp.readFile(store.filePath), bytes);
  await fsp.chmod(store.filePath, 0o600);
  store.refreshIfChanged(); // the mode change alters ctime: the store notices and re-reads
  await store.mutate(() => undefined);
  assert.equal(store.health().ok, true);
  assert.equal(store.size(), 2);
});

test('ST-06: two processes approving 20 devices each at the same moment keep all 40', async (t) => {
  const dir = await tempDir(t);
  const watcher = await openStore(t, dir);
  const a = runChild(['add-many', dir, 'a', '20']);
  const b = runChild(['add-many', dir, 'b', '20']);
  await Promise.all([a.ready, b.ready]);
  a.go();
  b.go();
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const file = await readStoreFile(dir);
  assert.equal(Object.keys(file.devices).length, 40);
  for (let i = 0; i < 20; i++) assert.ok(file.devices[`a-${i}`] && file.devices[`b-${i}`]);
  assert.ok(file.generation >= 40);
  // A running store sees other processes' writes on its next read.
  assert.equal(watcher.size(), 40);
  assert.equal(watcher.get('b-19')?.deviceId, 'b-19');
});

test('two stores on one folder: a write by one is picked up by the other before it writes (no lost update)', async (t) => {
  const dir = await tempDir(t);
  const s1 = await openStore(t, dir, { refreshIntervalMs: 60_000 }); // never refreshes by itself here
  const s2 = await openStore(t, dir);
  await s1.mutate((d) => void d.set('one', makeDevice('one')));
  await s2.mutate((d) => void d.set('two', makeDevice('two')));
  await s1.mutate((d) => void d.set('three', makeDevice('three'))); // re-reads under the lock first
  assert.deepEqual(Object.keys((await readStoreFile(dir)).devices).sort(), ['one', 'three', 'two']);
  assert.equal(s2.size(), 3);
});

test('ST-09: the issued token is nowhere under the data folder, only its hash', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  const token = newToken();
  await store.mutate((d) => void d.set('a', makeDevice('a', 1, token)));
  store.touch('a', { lastSeenAtMs: 2, tokenRole: 'operator', tokenLastUsedAtMs: 2 });
  await store.close();
  const files = await allFiles(dir);
  assert.ok(files.length > 0);
  for (const { file, bytes } of files) {
    assert.equal(bytes.includes(token), false, file);
    assert.equal(bytes.includes(Buffer.from(token).toString('base64')), false, file);
  }
  const stored = (await readStoreFile(dir)).devices.a!.tokens.operator!;
  assert.equal(stored.hash, hashToken(token));
  assert.equal(tokenMatches(token, stored.hash), true);
});

test('a version 1 (OpenClaw) store is migrated to hashed tokens; the .v1-backup keeps the records but no token', async (t) => {
  const dir = await tempDir(t);
  const plain = newToken();
  const v1 = {
    dev1: {
      deviceId: 'dev1', publicKey: 'pk', displayName: 'mbp', platform: 'darwin', clientId: 'cli', clientMode: 'cli', role: 'operator',
      roles: ['operator'], scopes: ['operator.read'], approvedScopes: ['operator.read'],
      tokens: { operator: { token: plain, role: 'operator', scopes: ['operator.read'], createdAtMs: 10, lastUsedAtMs: 11 } },
      createdAtMs: 10, approvedAtMs: 10,
    },
  };
  const original = JSON.stringify(v1, null, 2);
  await fsp.writeFile(path.join(dir, 'pairing.json'), original, { mode: 0o600 });
  const store = await openStore(t, dir);
  assert.deepEqual(store.health(), { ok: true });
  const tok = store.get('dev1')!.tokens.operator!;
  assert.equal(tok.hash, hashToken(plain));
  assert.equal(tok.lastUsedAtMs, 11);
  const onDisk = await fsp.readFile(store.filePath, 'utf8');
  assert.equal(onDisk.includes(plain), false);
  assert.equal((JSON.parse(onDisk) as StoreFileV2).version, 2);
  const backup = await fsp.readFile(`${store.filePath}.v1-backup`, 'utf8');
  assert.equal(backup.includes(plain), false, 'ST-09: the plaintext token is on disk nowhere');
  const kept = JSON.parse(backup) as typeof v1;
  assert.equal(kept.dev1.displayName, 'mbp');
  assert.equal((kept.dev1.tokens.operator as unknown as { tokenSha256: string }).tokenSha256, hashToken(plain));
  assert.notEqual(original, backup);
  if (posix) assert.equal(modeOf(await fsp.stat(`${store.filePath}.v1-backup`)), 0o600);
  await store.mutate((d) => void d.set('dev2', makeDevice('dev2')));
  assert.equal((await readStoreFile(dir)).generation, 1);
});

test('ST-11: 1000 touches do not write the file; one flush writes once with the latest values', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  const before = await fsp.stat(store.journalPath, { bigint: true });
  const bytes = await fsp.readFile(store.journalPath);
  let changes = 0;
  store.onChange(() => changes++);
  for (let i = 1; i <= 1000; i++) {
    store.touch('a', { lastSeenAtMs: 1_000 + i, lastSeenReason: 'connect', remoteIp: '10.0.0.2', tokenRole: 'operator', tokenLastUsedAtMs: 1_000 + i });
  }
  store.touch('unknown-device', { lastSeenAtMs: 1 });
  assert.equal(store.get('a')!.lastSeenAtMs, 2_000); // visible in memory at once
  const mid = await fsp.stat(store.journalPath, { bigint: true });
  assert.equal(mid.mtimeNs, before.mtimeNs);
  assert.deepEqual(await fsp.readFile(store.journalPath), bytes);
  await store.flush();
  assert.equal(changes, 1);
  const file = await readStoreFile(dir);
  assert.equal(file.generation, 2);
  assert.equal(file.devices.a!.lastSeenAtMs, 2_000);
  assert.equal(file.devices.a!.lastSeenReason, 'connect');
  assert.equal(file.devices.a!.remoteIp, '10.0.0.2');
  assert.equal(file.devices.a!.tokens.operator!.lastUsedAtMs, 2_000);
  await store.flush(); // nothing pending: no write
  assert.equal((await readStoreFile(dir)).generation, 2);
  // An older touch (clock skew, late arrival) never moves lastSeen back.
  store.touch('a', { lastSeenAtMs: 5, lastSeenReason: 'late' });
  assert.equal(store.get('a')!.lastSeenReason, 'connect');
});

test('touches are flushed by the debounce timer and by the next mutate, on top of other processes\' writes', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir, { lastSeenFlushMs: 20 });
  const other = await openStore(t, dir, { lastSeenFlushMs: 60_000 });
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  store.touch('a', { lastSeenAtMs: 42 });
  await other.mutate((d) => void d.set('b', makeDevice('b'))); // another writer in between
  // The flush timer is unref'd (it must not keep a quitting app alive); hold the loop open while we wait for it.
  const keepAlive = setInterval(() => undefined, 1000);
  let file = await readStoreFile(dir);
  while (file.devices.a!.lastSeenAtMs !== 42) {
    await new Promise<void>((resolve) => { const off = store.onChange(() => (off(), resolve())); }); // reload, then write
    file = await readStoreFile(dir);
  }
  clearInterval(keepAlive);
  assert.equal(file.devices.a!.lastSeenAtMs, 42);
  assert.ok(file.devices.b);

  other.touch('b', { lastSeenAtMs: 7 });
  await other.mutate((d) => void d.set('c', makeDevice('c')));
  assert.equal((await readStoreFile(dir)).devices.b!.lastSeenAtMs, 7);

  other.touch('c', { lastSeenAtMs: 9 });
  await other.close(); // close flushes
  assert.equal((await readStoreFile(dir)).devices.c!.lastSeenAtMs, 9);
});

test('ST-10: a failed write (ENOSPC) rejects, keeps the old file and memory, and keeps pending touches', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  const bytes = await fsp.readFile(store.journalPath);
  store.touch('a', { lastSeenAtMs: 77 });
  process.env.LOOPGATE_FAULT = 'enospc-on-write';
  try {
    await assert.rejects(store.mutate((d) => void d.set('b', makeDevice('b'))), { code: 'ENOSPC' });
  } finally {
    delete process.env.LOOPGATE_FAULT;
  }
  assert.deepEqual(await fsp.readFile(store.journalPath), bytes, 'the half-written record was cut back');
  assert.equal(store.get('b'), undefined);
  assert.equal(store.size(), 1);
  assert.deepEqual((await fsp.readdir(dir)).sort(), ['pairing.journal', 'pairing.json']);
  await store.flush(); // the touch was not lost with the failed write
  assert.equal((await readStoreFile(dir)).devices.a!.lastSeenAtMs, 77);
  await store.mutate((d) => void d.set('b', makeDevice('b')));
  assert.equal(store.size(), 2);
});

test('a file corrupted while running is noticed on read: fail closed at once, then quarantined', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  const changed = new Promise<void>((resolve) => {
    const off = store.onChange(() => {
      if (store.health().quarantinedTo) {
        off();
        resolve();
      }
    });
  });
  await fsp.writeFile(store.filePath, '{"version":2,"gen');
  assert.equal(store.get('a'), undefined); // fails closed immediately
  await changed;
  assert.equal(store.health().ok, false);
  assert.equal(await fsp.readFile(store.health().quarantinedTo!, 'utf8'), '{"version":2,"gen');
  await assert.rejects(store.mutate(() => undefined), { code: 'STORE_UNAVAILABLE' });
});

test('get() stays O(1) and allocation-free on a 50-device store', async (t) => {
  const dir = await tempDir(t);
  await seed(dir, 50);
  const store = await openStore(t, dir, { refreshIntervalMs: 50 });
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) assert.ok(store.get(`d${i % 50}`));
  const perCall = (performance.now() - t0) / 100_000;
  assert.ok(perCall < 0.01, `get() took ${perCall} ms per call`);
  assert.equal(store.get('d0'), store.get('d0')); // same object, no copy
});
