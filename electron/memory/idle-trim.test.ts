// The heap given back after a busy spell: the rule with its own clock, then a real gateway on 127.0.0.1 whose
// heap grew under a burst of handshakes and shrinks again once its clients have been quiet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { connectDevice, createIdentity } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness } from '../testing/gateway-harness';
import { fullCollection, IdleTrim } from './idle-trim';

const MB = 1024 * 1024;

test('collections only in a quiet spell after activity, only when the heap grew, never while clients are busy', () => {
  let now = 0;
  let heap = 40 * MB;
  let collections = 0;
  let gives = [42 * MB];
  const trim = new IdleTrim({ quietMs: 1000, growthBytes: 16 * MB, now: () => now, heapBytes: () => heap, collect: () => { collections++; heap = gives.shift() ?? heap; } });
  heap = 120 * MB;
  now = 5000;
  assert.equal(trim.check(), false, 'no activity since start: nothing to give back for');
  trim.activity();
  for (now = 5100; now < 5900; now += 100) {
    trim.activity(); // a busy client
    assert.equal(trim.check(), false);
  }
  trim.activity(); // the last frame
  now += 999;
  assert.equal(trim.check(), false, 'not quiet long enough');
  now += 1;
  assert.equal(trim.check(), true);
  assert.equal(collections, 1);
  assert.deepEqual({ trims: trim.stats.trims, collections: trim.stats.collections, before: trim.stats.lastBefore, after: trim.stats.lastAfter }, { trims: 1, collections: 1, before: 120 * MB, after: 42 * MB });
  now += 10_000;
  assert.equal(trim.check(), false, 'given back: nothing more to do in this spell');
  // Activity again, but the heap grew less than the threshold: left alone.
  trim.activity();
  heap = 55 * MB;
  now += 2000;
  assert.equal(trim.check(), false);
  assert.equal(collections, 1);

  // A collection that gives back only part: the next checks try again, three collections at most per spell.
  trim.activity();
  heap = 130 * MB;
  gives = [90 * MB, 70 * MB, 60 * MB];
  now += 2000;
  assert.equal(trim.check(), true);
  assert.equal(trim.check(), true);
  assert.equal(trim.check(), true);
  assert.equal(trim.check(), false, 'no fourth collection');
  assert.equal(collections, 4);
  assert.equal(trim.stats.trims, 2);
  // What could not be given back is live: the next spell measures growth from 60 MB.
  trim.activity();
  heap = 70 * MB;
  now += 2000;
  assert.equal(trim.check(), false);
  // Activity during follow-ups ends the spell: nothing is collected while clients are busy.
  trim.activity();
  heap = 100 * MB;
  gives = [90 * MB];
  now += 2000;
  assert.equal(trim.check(), true);
  trim.activity();
  assert.equal(trim.check(), false);
  assert.equal(collections, 5);
});

test('the full collection V8 offers is reachable without a command-line flag, and the flag is set back', () => {
  assert.equal((globalThis as { gc?: unknown }).gc, undefined, 'this test runs without --expose-gc');
  // Garbage once this function returns.
  const before = (() => {
    const garbage = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `item ${i}` }));
    assert.equal(garbage.length, 200_000);
    return getHeapStatistics().used_heap_size;
  })();
  fullCollection();
  assert.ok(getHeapStatistics().used_heap_size < before - 5 * MB, 'the garbage was collected');
  assert.equal((globalThis as { gc?: unknown }).gc, undefined, 'gc is not put on the global object');
});

test('a real gateway gives a grown heap back once its clients have been quiet, and never while they are busy', async () => {
  const h = await startHarness({ idleTrimQuietMs: 300 });
  try {
    const heapAtStart = getHeapStatistics().total_heap_size;
    // What a busy spell leaves behind: a heap grown by tens of MB that is garbage once the work is done.
    let work: unknown[] | null = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `request ${i}` }));
    // Clients busy for several quiet periods: no trim.
    const busyUntil = Date.now() + 1500;
    await Promise.all(Array.from({ length: 4 }, async () => {
      const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
      while (Date.now() < busyUntil) {
        await r.socket.request('health');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      r.socket.close();
      await r.socket.closed;
    }));
    assert.equal(h.gw.memory.idleTrim.stats.trims, 0, 'nothing trimmed while clients were busy');
    assert.equal((work as unknown[]).length, 400_000);
    work = null; // the work is done; its memory is garbage now
    const grown = getHeapStatistics().total_heap_size;
    assert.ok(grown > heapAtStart + 24 * MB, `the heap grew (${Math.round(heapAtStart / MB)} → ${Math.round(grown / MB)} MB)`);
    await eventually(() => h.gw.memory.idleTrim.stats.trims === 1, 'the trim after the quiet time', 5000);
    await eventually(() => getHeapStatistics().total_heap_size < grown - 16 * MB, 'the heap given back', 5000).catch(() => {});
    const after = getHeapStatistics().total_heap_size;
    assert.ok(after < grown - 16 * MB, `heap ${Math.round(grown / MB)} MB before the quiet time, ${Math.round(after / MB)} MB after`);
    // The admin status reports it; a status call is activity, but the heap has not grown again: no second trim.
    const admin = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin'] });
    const status = (await admin.socket.call('status')) as { memory: { idleTrims: { trims: number }; heapBytes: number; rssBytes: number } };
    admin.socket.close();
    assert.equal(status.memory.idleTrims.trims, 1);
    assert.ok(status.memory.rssBytes > 0 && status.memory.heapBytes > 0);
  } finally {
    await h.stop();
  }
});
