// The mirror's refresh: one at a time, and one more after it when asked meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalesced } from './coalesced';

test('asks during a run share it and get exactly one more run after it; none after stop', async () => {
  let runs = 0;
  let release!: () => void;
  let stopped = false;
  const refresh = coalesced(async () => {
    runs++;
    await new Promise<void>((r) => { release = r; });
  }, () => stopped);
  const first = refresh();
  const second = refresh();
  void refresh();
  assert.equal(second, first, 'an ask during a run waits for that run');
  assert.equal(runs, 1);
  release();
  await first;
  assert.equal(runs, 2, 'one more run for all the asks that came meanwhile');
  stopped = true;
  const during = refresh(); // the second run, still going
  release();
  await during;
  assert.equal(runs, 2, 'the ask during the second run is dropped once stopped');
});
