// Edge cases found in review: revocation that sticks, tokens that bound what they authorize, locality that a
// tunnel cannot borrow, races between decisions, parallel connects, and what device sessions may see.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connectDevice, createIdentity, TestSocket, type DeviceIdentity } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness, type Harness } from '../testing/gateway-harness';

let h: Harness;
beforeEach(async () => { h = await startHarness({ pendingTtlMs: 60_000, denyCooldownMs: 0 }); });
afterEach(async () => { await h.stop(); });

async function pairLocal(id: DeviceIdentity, scopes: string[]): Promise<string> {
  const r = await connectDevice(h.url, id, { token: h.token, scopes });
  assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
  r.socket.close();
  return r.res.payload.auth.deviceToken as string;
}

test('after revocation, the key alone neither connects nor mints a token: the user must approve again', async () => {
  const id = createIdentity();
  await pairLocal(id, ['operator.read']);
  await h.gw.pairing.revoke(id.deviceId, 'operator', { kind: 'owner', label: 'test' });
  const keyOnly = await connectDevice(h.url, id, { scopes: ['operator.read'] });
  assert.equal(keyOnly.res.ok, false);
  assert.equal(keyOnly.res.error!.details.reason, 'role-upgrade');
  assert.equal(h.gw.pending().length, 1, 'an explicit request, not a silent repair');
  assert.ok(h.gw.pairing.store.get(id.deviceId)!.tokens.operator!.revokedAtMs, 'still revoked');
});

test('a key-only connect within the approval is admitted without a new token', async () => {
  const id = createIdentity();
  await pairLocal(id, ['operator.read']);
  const before = h.gw.pairing.store.get(id.deviceId)!.tokens.operator!.hash;
  await h.gw.pairing.revoke(id.deviceId, 'operator', { kind: 'owner', label: 'test' }).catch(() => {});
  const fresh = createIdentity();
  const t = await pairLocal(fresh, ['operator.read']);
  const tokenHash = h.gw.pairing.store.get(fresh.deviceId)!.tokens.operator!.hash;
  const keyOnly = await connectDevice(h.url, fresh, { scopes: ['operator.read'], minProtocol: 4 });
  assert.equal(keyOnly.res.ok, true);
  assert.equal(keyOnly.res.payload.auth.method, 'device-key');
  assert.ok([undefined, t].includes(keyOnly.res.payload.auth.deviceToken), 'at most the approval\'s own token, never a new one');
  assert.equal(h.gw.pairing.store.get(fresh.deviceId)!.tokens.operator!.hash, tokenHash, 'nothing minted');
  assert.ok(before);
  keyOnly.socket.close();
});

test('a device token bounds what it authorizes: asking beyond it is a scope upgrade, and a tunnel borrows no locality', async () => {
  const id = createIdentity();
  // Approved for a remote peer: its token does not prove locality later.
  const remote = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'], headers: { 'X-Forwarded-For': '203.0.113.9' } });
  await h.gw.approve(remote.res.error!.details.requestId);
  const first = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'], headers: { 'X-Forwarded-For': '203.0.113.9' } });
  const token = first.res.payload.auth.deviceToken as string;
  first.socket.close();
  // Same device, now over a loopback tunnel with no proxy header, asking for more with that token.
  const tunnel = await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.admin', 'operator.pairing'] });
  assert.equal(tunnel.res.ok, false);
  assert.equal(tunnel.res.error!.details.reason, 'scope-upgrade');
  assert.equal(h.gw.pending()[0]!.locality, 'remote');
  // A token narrowed by rotation does not let the device ask beyond it silently from afar either.
  const local = createIdentity();
  const t = await pairLocal(local, ['operator.admin']);
  assert.ok(t);
  const rotated = await h.gw.pairing.rotate(local.deviceId, 'operator', ['operator.read'], { kind: 'owner', label: 'test' });
  const wider = await connectDevice(h.url, local, { deviceToken: rotated.token!, scopes: ['operator.admin'], headers: { Host: 'gateway.example' } });
  assert.equal(wider.res.error!.details.reason, 'scope-upgrade', 'judged against the token, not the older approval');
});

test('approve and deny racing: exactly one decision wins', async () => {
  const id = createIdentity();
  const r = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
  const requestId = r.res.error!.details.requestId as string;
  const outcomes = await Promise.allSettled([h.gw.approve(requestId), h.gw.reject(requestId)]);
  assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected']);
  assert.ok(h.gw.pairing.store.get(id.deviceId), 'the approval that won is kept');
  const decisions = h.gw.pairing.audit.recent(10).filter((e) => e.requestId === requestId && e.decision !== 'requested').map((e) => e.decision);
  assert.deepEqual(decisions, ['approved']);
});

test('parallel first connects of one local device: one approval, one token for all', async () => {
  const id = createIdentity();
  const results = await Promise.all(Array.from({ length: 6 }, () => connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'] })));
  for (const r of results) assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
  const tokens = new Set(results.map((r) => r.res.payload.auth.deviceToken));
  assert.equal(tokens.size, 1, 'every connect got the same token');
  for (const r of results) r.socket.close();
  const again = await connectDevice(h.url, id, { deviceToken: [...tokens][0] as string, scopes: ['operator.read'] });
  assert.equal(again.res.ok, true, 'and it works');
  again.socket.close();
  assert.equal(h.gw.pairing.audit.recent(50).filter((e) => e.deviceId === id.deviceId && e.decision === 'approved').length, 1);
});

test('a client that leaves during the handshake is not shown as connected', async () => {
  const id = createIdentity();
  await pairLocal(id, ['operator.read']);
  for (let i = 0; i < 5; i++) {
    const s = await TestSocket.open(h.url);
    const ch = await s.event('connect.challenge');
    const r = connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'] });
    s.ws.terminate();
    assert.ok(ch);
    (await r).socket.ws.terminate();
  }
  await eventually(() => !h.gw.isDeviceConnected(id.deviceId), 'no live connection for the device');
});

test('a client that stops reading while its requests fail is closed as a slow consumer', async () => {
  const { socket } = await connectDevice(h.url, null, { token: h.token, scopes: [] });
  const live = () => (h.gw.status() as { connections: number }).connections;
  assert.equal(live(), 1);
  socket.ws.pause();
  // Each failure answer carries the 2 KiB id back: far more than the 8 MiB outbound limit in all.
  const req = JSON.stringify({ type: 'req', id: 'x'.repeat(2048), method: 'status' });
  for (let i = 0; i < 8_000; i++) socket.ws.send(req);
  await eventually(() => live() === 0, 'the gateway to drop the client that stopped reading', 15_000);
  socket.ws.resume();
  await socket.closed;
});

test('a paired device session sees only its own pairing events and audit entries', async () => {
  const mine = createIdentity();
  const token = await pairLocal(mine, ['operator.pairing']);
  const session = (await connectDevice(h.url, mine, { deviceToken: token, scopes: ['operator.pairing'] })).socket;
  const other = createIdentity();
  await connectDevice(h.url, other, { token: h.token, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
  const owner = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.pairing'] })).socket;
  await owner.call('device.pair.list', {});
  const audit = await session.call('loopgate.audit.list', {});
  assert.ok(audit.entries.length > 0);
  assert.ok(audit.entries.every((e: { deviceId: string }) => e.deviceId === mine.deviceId));
  assert.equal(session.frames.filter((f) => f.event === 'device.pair.requested').length, 0);
  assert.ok(session.frames.filter((f) => f.event === 'loopgate.audit').every((f) => f.payload.deviceId === mine.deviceId));
  const list = await session.call('device.pair.list', {});
  assert.deepEqual(list.paired.map((d: { deviceId: string }) => d.deviceId), [mine.deviceId]);
  assert.equal(list.pending.length, 0);
  session.close();
  owner.close();
});

test('a throwing listener is logged, not fatal; a new payload limit applies to new connections', async () => {
  const lines: string[] = [];
  await h.stop();
  const { startGateway } = await import('./gateway');
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const gw = await startGateway({ home: await mkdtemp(join(tmpdir(), 'loopgate-listener-')), port: 0, timing: { pendingTtlMs: 50 }, log: (l) => lines.push(l) });
  h = { gw, home: gw.home, url: gw.url, token: gw.gatewayToken(), stop: () => gw.close() };
  gw.on('resolved', () => { throw new Error('notification code broke'); });
  await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
  await eventually(() => lines.some((l) => l.includes('notification code broke')), 'the failure to be logged');
  assert.equal(gw.pending().length, 0, 'the request expired and the gateway lives on');

  await gw.setConfig('limits.maxPayloadBytes', 4 * 1024 * 1024);
  const { socket, res } = await connectDevice(h.url, null, { token: h.token, scopes: [] });
  assert.equal(res.payload.policy.maxPayload, 4 * 1024 * 1024);
  const big = await socket.request('health', { pad: 'x'.repeat(2 * 1024 * 1024) });
  assert.equal(big.ok, true, 'a 2 MiB frame under a 4 MiB limit is accepted');
  socket.close();
});

test('heartbeat: a peer that stops answering pings is dropped', async () => {
  await h.stop();
  h = await startHarness({ tickIntervalMs: 40 });
  const ws = new WebSocket(h.url, { autoPong: false });
  const s = new TestSocket(ws);
  await new Promise((r) => ws.once('open', r));
  const ch = (await s.event('connect.challenge')).payload;
  assert.ok(ch.nonce);
  s.send({ type: 'req', id: 'c', method: 'connect', params: { minProtocol: 3, maxProtocol: 4, client: { id: 'test', version: '1', platform: 'linux', mode: 'test' }, auth: { token: h.token } } });
  await s.next((f) => f.id === 'c');
  assert.equal((await s.closed).code, 1006, 'terminated, no closing handshake');
});

test('loopgate.devices tells the window who connected and when records changed, never device sessions', async () => {
  const watcher = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.pairing'] })).socket;
  const id = createIdentity();
  const token = await pairLocal(id, ['operator.pairing']);
  const changed = await watcher.next((f) => f.event === 'loopgate.devices' && f.payload.changed === true);
  assert.equal(typeof changed.payload.ts, 'number');
  const session = (await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.pairing'], clientMode: 'cli', clientId: 'cli' })).socket;
  const on = await watcher.next((f) => f.event === 'loopgate.devices' && f.payload.connected?.[id.deviceId] === true);
  assert.ok(on);
  session.close();
  await watcher.next((f) => f.event === 'loopgate.devices' && f.payload.connected?.[id.deviceId] === false);
  assert.equal(session.frames.filter((f) => f.event === 'loopgate.devices').length, 0);
  watcher.close();
});
