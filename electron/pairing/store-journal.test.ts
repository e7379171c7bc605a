// The journal under real crashes, damage and concurrency: real files, real child processes, real SIGKILL.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseJournal } from './journal';
import { PairingStore, type PairingStoreOptions } from './pairing-store';
import { readStoreState } from './store-load';
import type { StoreFileV2 } from './store-schema';
import { makeDevice, modeOf, runChild, tempDir, type Child } from './testdata/fixtures';

const posix = process.platform !== 'win32';

async function openStore(t: TestContext, dir: string, opts: PairingStoreOptions = {}): Promise<PairingStore> {
  const store = await PairingStore.open(dir, { refreshIntervalMs: 0, ...opts });
  t.after(() => store.close().catch(() => undefined));
  return store;
}

function stateOf(dir: string): Promise<StoreFileV2> {
  return readStoreState(path.join(dir, 'pairing.json'), path.join(dir, 'pairing.journal'));
}

async function leftovers(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((n) => n.endsWith('.tmp') || n.endsWith('.stale'));
}

/** Runs `append-acked` and SIGKILLs it right after the ack of `killAfter` (plus `delayMs`); returns the acked ids. */
async function killDuring(dir: string, prefix: string, killAfter: number, opts: { compact?: boolean; delayMs?: number; env?: Record<string, string> } = {}): Promise<string[]> {
  const child: Child = runChild(['append-acked', dir, prefix, '200', ...(opts.compact ? ['compact'] : [])], opts.env ?? {});
  const acked: string[] = [];
  child.onLine((line) => {
    const m = /^ack (\d+)$/.exec(line);
    if (!m) return;
    acked.push(`${prefix}-${m[1]}`);
    if (Number(m[1]) === killAfter) {
      if (opts.delayMs) setTimeout(() => child.kill('SIGKILL'), opts.delayMs);
      else child.kill('SIGKILL');
    }
  });
  const result = await child.done;
  assert.equal(result.signal, 'SIGKILL', `child should have been killed: ${result.stderr}`);
  return acked;
}

/** Reopens after a crash: healthy, every acknowledged change there, nothing left behind, writable. */
async function assertRecovered(t: TestContext, dir: string, acked: string[]): Promise<PairingStore> {
  const store = await openStore(t, dir);
  const h = store.health();
  assert.equal(h.ok, true, h.error);
  for (const id of acked) assert.ok(store.get(id), `acknowledged ${id} survived`);
  await store.idle(); // the compaction it starts after replay takes the lock (and its temp file) for a moment
  assert.deepEqual(await leftovers(dir), [], 'no temp file or stale lock left');
  await store.mutate((d) => void d.set(`after-${acked.length}`, makeDevice(`after-${acked.length}`)));
  return store;
}

test('kill -9 at random points of 200 appends loses no acknowledged change and leaves no orphan', async (t) => {
  const dir = await tempDir(t);
  const all: string[] = [];
  for (let round = 0; round < 4; round++) {
    const killAfter = Math.floor(Math.random() * 190);
    const acked = await killDuring(dir, `r${round}`, killAfter);
    assert.ok(acked.length > killAfter);
    all.push(...acked);
    const store = await assertRecovered(t, dir, all);
    await store.close();
  }
  const final = await stateOf(dir);
  for (const id of all) assert.ok(final.devices[id], id);
});

test('kill -9 at random points of compactions loses no acknowledged change and leaves no orphan', async (t) => {
  const dir = await tempDir(t);
  const all: string[] = [];
  for (let round = 0; round < 5; round++) {
    const killAfter = 5 + Math.floor(Math.random() * 40);
    // Compact after every append, so most of the child's time is spent compacting; the kill lands at a random
    // point of one (snapshot written or not, renamed or not, journal replaced or not).
    const acked = await killDuring(dir, `c${round}`, killAfter, { compact: true, delayMs: Math.random() * 4 });
    all.push(...acked);
    const store = await assertRecovered(t, dir, all);
    await store.close();
  }
});

test('a kill between the new snapshot and the fresh journal: the old journal is skipped by generation, not replayed twice', async (t) => {
  const dir = await tempDir(t);
  const acked = await killDuring(dir, 'x', 10, { env: { LOOPGATE_FAULT: 'crash-mid-compaction', LOOPGATE_TEST_JOURNAL_MAX: '2000' } }).catch(() => [] as string[]);
  // The fault kills the child at its first compaction: the snapshot holds generation N, the journal still
  // holds records 1..N of the same lineage.
  const snap = JSON.parse(await fsp.readFile(path.join(dir, 'pairing.json'), 'utf8')) as StoreFileV2;
  const journal = parseJournal(await fsp.readFile(path.join(dir, 'pairing.journal')));
  assert.ok(snap.generation > 0 && journal.records.length > 0);
  assert.equal(journal.records.at(-1)!.record.g, snap.generation);
  const store = await assertRecovered(t, dir, acked);
  assert.equal(store.size(), Object.keys(snap.devices).length + 1);
});

test('a crash mid-append leaves a torn record: cut off at the next open and reported, everything before kept', async (t) => {
  const dir = await tempDir(t);
  const acked = await killDuring(dir, 'k', 1000, { env: { LOOPGATE_FAULT: 'crash-mid-append', LOOPGATE_FAULT_SKIP: '3' } });
  assert.deepEqual(acked, ['k-0', 'k-1', 'k-2']);
  const store = { journalPath: path.join(dir, 'pairing.journal') };
  const damaged = await fsp.readFile(store.journalPath);
  const parsed = parseJournal(damaged);
  assert.deepEqual(parsed.records.map((r) => r.record.g), [1, 2, 3]);
  assert.ok(parsed.torn && damaged.at(-1) !== 0x0a, 'half a record on disk');

  const reopened = await openStore(t, dir);
  const h = reopened.health();
  assert.equal(h.ok, true);
  assert.match(h.notice ?? '', /damaged last record .* was cut off at byte \d+; every change before it is kept/);
  assert.deepEqual(reopened.list().map((d) => d.deviceId).sort(), ['k-0', 'k-1', 'k-2']);
  // The cut left a journal that ends on a whole record, so the next append is readable.
  await reopened.mutate((d) => void d.set('d', makeDevice('d')));
  const state = await stateOf(dir);
  assert.deepEqual(Object.keys(state.devices).sort(), ['d', 'k-0', 'k-1', 'k-2']);
  await reopened.close();
});

test('the running writer also cuts a torn tail before it appends (the crashed writer was another process)', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  await fsp.appendFile(store.journalPath, Buffer.from('0badf00d {"g":2,"put":{"tor'));
  await store.mutate((d) => void d.set('b', makeDevice('b')));
  assert.match(store.health().notice ?? '', /cut off/);
  assert.deepEqual(Object.keys((await stateOf(dir)).devices).sort(), ['a', 'b']);
  const parsed = parseJournal(await fsp.readFile(store.journalPath));
  assert.equal(parsed.torn, undefined);
  assert.deepEqual(parsed.records.map((r) => r.record.g), [1, 2]);
});

test('a flipped byte in the middle of the journal quarantines it and fails closed, also after a restart', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  for (let i = 0; i < 10; i++) await store.mutate((d) => void d.set(`d${i}`, makeDevice(`d${i}`)));
  await store.close();
  // close() compacted: write more records without compacting (a crash), then damage one in the middle.
  const writer = await PairingStore.open(dir, { refreshIntervalMs: 0 });
  for (let i = 10; i < 20; i++) await writer.mutate((d) => void d.set(`d${i}`, makeDevice(`d${i}`)));
  const bytes = await fsp.readFile(writer.journalPath);
  const mid = parseJournal(bytes).records[4]!.end - 50;
  bytes[mid] = bytes[mid]! ^ 0x04;
  await fsp.writeFile(writer.journalPath, bytes);

  const damaged = await openStore(t, dir);
  const h = damaged.health();
  assert.equal(h.ok, false);
  assert.match(h.error ?? '', /pairing\.journal is damaged at byte \d+ \(checksum mismatch\)/);
  assert.match(path.basename(h.quarantinedTo ?? ''), /^pairing\.journal\.corrupt-/);
  assert.deepEqual(await fsp.readFile(h.quarantinedTo!), bytes, 'moved aside byte for byte');
  assert.equal(damaged.get('d0'), undefined);
  await assert.rejects(damaged.mutate((d) => void d.set('x', makeDevice('x'))), { code: 'STORE_UNAVAILABLE' });

  const again = await openStore(t, dir);
  assert.equal(again.health().ok, false, 'a journal moved aside is not "no changes"');
  assert.equal(again.health().quarantinedTo, h.quarantinedTo);
  assert.equal(again.get('d0'), undefined);
  await again.resetQuarantined();
  assert.deepEqual(again.health(), { ok: true });
  assert.equal(again.size(), 0);
  assert.ok(existsSync(h.quarantinedTo!));
});

test('a journal is never replayed onto a snapshot it does not belong to', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  for (const id of ['a', 'b']) await store.mutate((d) => void d.set(id, makeDevice(id)));
  const oldSnapshot = await fsp.readFile(store.filePath);
  const oldJournal = await fsp.readFile(store.journalPath);
  await store.mutate((d) => void d.delete('a'));
  await store.compact();
  const newSnapshot = await fsp.readFile(store.filePath);
  const newJournal = await fsp.readFile(store.journalPath); // header only, based on the new snapshot
  await store.close();

  // An older journal beside the newer snapshot (a compaction killed after its snapshot, or a restored copy):
  // its records are already in the snapshot and are skipped; "a" stays removed.
  await fsp.writeFile(store.journalPath, oldJournal, { mode: 0o600 });
  let s = await openStore(t, dir);
  assert.deepEqual(s.health(), { ok: true });
  assert.deepEqual(s.list().map((d) => d.deviceId), ['b']);
  await s.close();

  // An older snapshot beside a newer journal: changes in between are missing. Refused, nothing written.
  await fsp.writeFile(store.filePath, oldSnapshot, { mode: 0o600 });
  await fsp.writeFile(store.journalPath, newJournal, { mode: 0o600 });
  s = await openStore(t, dir);
  assert.equal(s.health().ok, false);
  assert.match(s.health().error ?? '', /older than its journal/);

  // A journal of another store with changes in it: refused.
  const other = await tempDir(t);
  const o = await openStore(t, other);
  await o.mutate((d) => void d.set('z', makeDevice('z')));
  await fsp.writeFile(path.join(dir, 'pairing.json'), newSnapshot, { mode: 0o600 });
  await fsp.copyFile(o.journalPath, path.join(dir, 'pairing.journal'));
  s = await openStore(t, dir);
  assert.equal(s.health().ok, false);
  assert.match(s.health().error ?? '', /of another store/);
  assert.equal(s.get('z'), undefined);
});

test('two processes appending at once (with compactions in between) keep every change', async (t) => {
  const dir = await tempDir(t);
  const watcher = await openStore(t, dir);
  const env = { LOOPGATE_TEST_JOURNAL_MAX: '6000' };
  const a = runChild(['add-many', dir, 'a', '60'], env);
  const b = runChild(['add-many', dir, 'b', '60'], env);
  await Promise.all([a.ready, b.ready]);
  a.go();
  b.go();
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const state = await stateOf(dir);
  assert.equal(Object.keys(state.devices).length, 120);
  assert.equal(state.generation, 120, 'one generation per change, none lost or doubled');
  assert.equal(watcher.size(), 120);
  assert.deepEqual(await leftovers(dir), []);
});

test("another process's appends are replayed from the journal's tail, without re-reading the snapshot", async (t) => {
  const dir = await tempDir(t);
  const s1 = await openStore(t, dir);
  const s2 = await openStore(t, dir);
  await s1.mutate((d) => void d.set('one', makeDevice('one')));
  const reads = s1.ioStats().fullReads;
  for (let i = 0; i < 20; i++) await s2.mutate((d) => void d.set(`two-${i}`, makeDevice(`two-${i}`)));
  assert.equal(s1.get('two-19')?.deviceId, 'two-19'); // a read notices them
  await s2.mutate((d) => void d.set('three', makeDevice('three')));
  await s1.mutate((d) => void d.set('four', makeDevice('four'))); // and a write replays before appending
  assert.equal(s1.ioStats().fullReads, reads);
  assert.equal(s2.size(), 23);
  assert.equal((await stateOf(dir)).generation, 23);
});

test("migration from today's pairing.json keeps every device and token hash, and starts the journal", async (t) => {
  const dir = await tempDir(t);
  const devices: Record<string, ReturnType<typeof makeDevice>> = {};
  for (let i = 0; i < 300; i++) {
    const d = makeDevice(`m${i}`, 1_700_000_000_000 + i, `secret-${i}`);
    if (i % 7 === 0) d.tokens.node = { hash: createHash('sha256').update(`node-${i}`).digest('hex'), role: 'node', scopes: [], createdAtMs: 5, revokedAtMs: 6 };
    if (i % 3 === 0) d.lastSeenAtMs = 99;
    devices[d.deviceId] = d;
  }
  await fsp.writeFile(path.join(dir, 'pairing.json'), JSON.stringify({ version: 2, generation: 41, updatedAtMs: 3, devices }, null, 2), { mode: 0o600 });
  const store = await openStore(t, dir);
  assert.deepEqual(store.health(), { ok: true });
  assert.equal(store.size(), 300);
  for (const [id, d] of Object.entries(devices)) assert.deepEqual({ ...store.get(id)!, tokens: { ...store.get(id)!.tokens } }, d, id);
  const snap = JSON.parse(await fsp.readFile(store.filePath, 'utf8')) as StoreFileV2;
  assert.equal(snap.generation, 41);
  assert.ok(snap.journalId);
  assert.deepEqual(snap.devices, devices);
  assert.equal(parseJournal(await fsp.readFile(store.journalPath)).header!.id, snap.journalId);
  if (posix) {
    assert.equal(modeOf(await fsp.stat(store.journalPath)), 0o600);
    assert.equal(modeOf(await fsp.stat(store.filePath)), 0o600);
    assert.equal(modeOf(await fsp.stat(dir)), 0o700);
  }
  await store.mutate((d) => void d.delete('m0'));
  const state = await stateOf(dir);
  assert.equal(state.generation, 42);
  assert.equal(Object.keys(state.devices).length, 299);
});

test('a missing or unsafe journal is refused while the snapshot expects it', { skip: !posix }, async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  await store.close();
  await fsp.chmod(path.join(dir, 'pairing.journal'), 0o666);
  let s = await openStore(t, dir);
  assert.equal(s.health().ok, false);
  assert.match(s.health().error ?? '', /pairing\.journal is writable by group or others/);
  await fsp.rm(path.join(dir, 'pairing.journal'));
  s = await openStore(t, dir);
  assert.equal(s.health().ok, false);
  assert.match(s.health().error ?? '', /pairing\.journal is missing/);
  assert.equal(s.get('a'), undefined);
});

test('a decision writes one small record, whatever the number of devices; compaction happens past the threshold', async (t) => {
  const dir = await tempDir(t);
  const devices = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`d${i}`, makeDevice(`d${i}`)]));
  await fsp.writeFile(path.join(dir, 'pairing.json'), JSON.stringify({ version: 2, generation: 1, updatedAtMs: 1, devices }), { mode: 0o600 });
  const store = await openStore(t, dir, { journalMaxBytes: 64 * 1024 });
  const snapBefore = await fsp.stat(store.filePath, { bigint: true });
  const start = store.ioStats();
  await store.mutate((d) => void d.set('new', makeDevice('new')));
  const one = store.ioStats().bytesWritten - start.bytesWritten;
  assert.ok(one < 1024, `one decision wrote ${one} bytes`);
  assert.equal((await fsp.stat(store.filePath, { bigint: true })).mtimeNs, snapBefore.mtimeNs, 'the snapshot was not rewritten');
  for (let i = 0; i < 200; i++) await store.mutate((d) => void d.set(`n${i}`, makeDevice(`n${i}`)));
  await new Promise<void>((resolve) => setImmediate(resolve));
  await store.compact(); // waits behind any compaction already running
  assert.ok(store.ioStats().compactions >= 1);
  assert.ok((await fsp.stat(store.journalPath)).size < 64 * 1024);
  const state = await stateOf(dir);
  assert.equal(Object.keys(state.devices).length, 2201);
});

test('reads during our own append neither replay it twice nor force a full re-read', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(t, dir);
  await store.mutate((d) => void d.set('a', makeDevice('a')));
  const reads = store.ioStats().fullReads;
  // Handshakes keep reading while decisions are written.
  let reading = true;
  const reader = (async () => {
    while (reading) {
      store.get('a');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();
  for (let i = 0; i < 50; i++) await store.mutate((d) => void d.set(`n${i}`, makeDevice(`n${i}`)));
  reading = false;
  await reader;
  assert.equal(store.ioStats().fullReads, reads);
  assert.equal(store.size(), 51);
  assert.equal((await fsp.stat(store.journalPath)).size, parseJournal(await fsp.readFile(store.journalPath)).goodEnd);
  assert.equal((await stateOf(dir)).generation, 51);
});
