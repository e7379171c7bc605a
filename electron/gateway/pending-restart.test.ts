// Requests waiting for the user survive a restart of the gateway: same id, same deadline; nothing is resolved
// silently (one that lapsed while the gateway was down expires on start, recorded and announced as any expiry).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PendingFile } from '../pairing/pending-file';
import { connectDevice, createIdentity } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness } from '../testing/gateway-harness';

// A remote-looking client (through a local proxy) always needs the user's decision.
const ask = { token: '', scopes: ['operator.read'], headers: { 'X-Forwarded-For': '203.0.113.9' } };

test('pending requests come back after a restart with their ids and expiry; one that lapsed meanwhile expires on record', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-pending-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  let h = await startHarness({ pendingTtlMs: 60_000 }, home);
  const waiting = createIdentity();
  const lapsing = createIdentity();
  ask.token = h.token;
  for (const id of [waiting, lapsing]) {
    const r = await connectDevice(h.url, id, ask);
    assert.equal(r.res.error?.details.code, 'PAIRING_REQUIRED');
    r.socket.close();
  }
  const before = h.gw.pending();
  assert.equal(before.length, 2);
  await h.stop();

  // While it was down, one request's deadline passed.
  const file = JSON.parse(await readFile(join(home, 'pending.json'), 'utf8')) as { requests: Array<{ deviceId: string; expiresAtMs: number }> };
  assert.equal(file.requests.length, 2);
  const lapsed = file.requests.find((r) => r.deviceId === lapsing.deviceId)!;
  lapsed.expiresAtMs = Date.now() - 1000;
  await writeFile(join(home, 'pending.json'), JSON.stringify(file), { mode: 0o600 });

  h = await startHarness({ pendingTtlMs: 60_000 }, home);
  t.after(() => h.stop());
  const kept = before.find((r) => r.deviceId === waiting.deviceId)!;
  await eventually(() => h.gw.pending().length === 1, 'the lapsed request to expire');
  assert.deepEqual(h.gw.pending(), [JSON.parse(JSON.stringify(kept))], 'same id, same deadline, same ask');
  const expired = h.gw.pairing.audit.recent(10).find((e) => e.decision === 'expired');
  assert.equal(expired?.deviceId, lapsing.deviceId, 'the lapsed one is on record as expired, not dropped');

  // The restored request is decided as usual, and the device then connects.
  await h.gw.approve(kept.requestId);
  const after = await connectDevice(h.url, waiting, ask);
  assert.equal(after.res.ok, true, JSON.stringify(after.res.error));
  after.socket.close();
  await eventually(() => h.gw.pending().length === 0, 'the queue to empty');
  await h.stop();
  const saved = JSON.parse(await readFile(join(home, 'pending.json'), 'utf8')) as { requests: unknown[] };
  assert.deepEqual(saved.requests, []);
});

test('an unreadable pending list is moved aside and the gateway starts with an empty queue', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-pending-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  for (const content of ['{"version":1,"requests":[{"requestId":1}]}', 'not json', '[]']) {
    await writeFile(join(home, 'pending.json'), content, { mode: 0o600 });
    const h = await startHarness({}, home);
    assert.deepEqual(h.gw.pending(), []);
    assert.equal(h.gw.storeHealth().ok, true, 'the pairing store is unaffected');
    await h.stop();
  }
});

test('the pending list is written once per change, and saving an unchanged list settles at once', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-pending-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const file = await PendingFile.open(home);
  await file.save([]);
  await file.save([]); // nothing new to write: must not leave a promise behind that flush() spins on
  await file.flush();
  assert.deepEqual(JSON.parse(await readFile(join(home, 'pending.json'), 'utf8')), { version: 1, requests: [] });
});
