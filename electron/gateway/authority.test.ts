// Authority follows the credential proven in the handshake (spec §13, issue 8): the gateway token makes a session
// a token holder even with a device identity beside it; a device token or a key alone makes it that device's
// session, which sees only itself everywhere (issue 7): pairing events, lists, presence, status.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice, createIdentity, type DeviceIdentity, type TestSocket } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';

let h: Harness;
beforeEach(async () => { h = await startHarness({ pendingTtlMs: 60_000, denyCooldownMs: 0 }); });
afterEach(async () => { await h.stop(); });

const REMOTE = { Host: 'gateway.example' };

async function pairLocal(id: DeviceIdentity, scopes: string[]): Promise<string> {
  const r = await connectDevice(h.url, id, { token: h.token, scopes });
  assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
  r.socket.close();
  return r.res.payload.auth.deviceToken as string;
}

async function remoteAsk(scopes: string[]): Promise<{ id: DeviceIdentity; requestId: string }> {
  const id = createIdentity();
  const r = await connectDevice(h.url, id, { token: h.token, scopes, headers: REMOTE });
  r.socket.close();
  return { id, requestId: r.res.error!.details.requestId as string };
}

describe('a session with a device identity and the gateway token is a token holder', () => {
  test('it hears pairing events, lists everything and approves within its scopes', async () => {
    const approver = createIdentity();
    const r = await connectDevice(h.url, approver, { token: h.token, scopes: ['operator.pairing', 'operator.read'], clientId: 'gateway-client', clientMode: 'backend' });
    assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
    assert.equal(r.res.payload.auth.method, 'token');
    const s = r.socket;
    const other = createIdentity();
    await pairLocal(other, ['operator.read']);

    const ask = await remoteAsk(['operator.read']);
    const requested = await s.event('device.pair.requested');
    assert.equal(requested.payload.requestId, ask.requestId);
    const list = await s.call('device.pair.list', {});
    assert.deepEqual(list.pending.map((p: { requestId: string }) => p.requestId), [ask.requestId]);
    assert.deepEqual(new Set(list.paired.map((d: { deviceId: string }) => d.deviceId)), new Set([approver.deviceId, other.deviceId]));

    const approved = await s.call('device.pair.approve', { requestId: ask.requestId });
    assert.equal(approved.device.deviceId, ask.id.deviceId);
    const resolved = await s.next((f) => f.event === 'device.pair.resolved' && f.payload.requestId === ask.requestId);
    assert.equal(resolved.payload.decision, 'approved');
    assert.match(h.gw.pairing.audit.recent(5).find((e) => e.requestId === ask.requestId && e.decision === 'approved')!.by, /^gateway token holder/);

    // Within its scopes only: it cannot grant operator.admin, which it does not hold.
    const big = await remoteAsk(['operator.admin']);
    const denied = await s.request('device.pair.approve', { requestId: big.requestId });
    assert.match(denied.error!.message, /does not hold operator\.admin/);
    // It sees every connected client.
    const presence = await s.call('system-presence');
    assert.ok(presence.length >= 1);
    const status = await s.call('status');
    assert.equal(status.devices, h.gw.pairing.store.size());
    s.close();
  });

  test('the same device with its device token, or its key alone, is limited to itself', async () => {
    const id = createIdentity();
    const token = await pairLocal(id, ['operator.pairing', 'operator.read']);
    const other = createIdentity();
    await pairLocal(other, ['operator.read']);
    for (const opts of [{ deviceToken: token }, {}]) {
      const r = await connectDevice(h.url, id, { ...opts, scopes: ['operator.pairing', 'operator.read'], minProtocol: 4 });
      assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
      assert.notEqual(r.res.payload.auth.method, 'token');
      const s = r.socket;
      const ask = await remoteAsk(['operator.read']);
      const list = await s.call('device.pair.list', {});
      assert.deepEqual(list.paired.map((d: { deviceId: string }) => d.deviceId), [id.deviceId]);
      assert.equal(list.pending.length, 0);
      const denied = await s.request('device.pair.approve', { requestId: ask.requestId });
      assert.match(denied.error!.message, /reserved for the user/);
      assert.equal(s.frames.filter((f) => f.event === 'device.pair.requested').length, 0);
      await h.gw.reject(ask.requestId);
      s.close();
    }
  });
});

describe('a device\'s own session sees only itself everywhere', () => {
  async function deviceSession(id: DeviceIdentity, token: string): Promise<TestSocket> {
    const r = await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.read'], clientMode: 'backend', displayName: 'mine' });
    assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
    const snapshot = r.res.payload.snapshot.presence as Array<{ deviceId?: string }>;
    assert.ok(snapshot.length >= 1);
    assert.ok(snapshot.every((p) => p.deviceId === id.deviceId), 'hello-ok snapshot holds only itself');
    return r.socket;
  }

  test('system-presence, status, the hello snapshot and presence events', async () => {
    const id = createIdentity();
    const token = await pairLocal(id, ['operator.read']);
    // Others connected: a token client, another device (with a name and scopes worth hiding).
    const tokenClient = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin'], clientMode: 'backend' })).socket;
    const otherId = createIdentity();
    const otherToken = await pairLocal(otherId, ['operator.admin']);
    const otherSession = (await connectDevice(h.url, otherId, { deviceToken: otherToken, scopes: ['operator.admin'], clientMode: 'backend', displayName: 'secret-host' })).socket;

    const mine = await deviceSession(id, token);
    const presence = await mine.call('system-presence');
    assert.deepEqual(presence.map((p: { deviceId?: string }) => p.deviceId), [id.deviceId]);
    assert.doesNotMatch(JSON.stringify(presence), /secret-host|operator\.admin/);
    const status = await mine.call('status');
    assert.equal(status.connections, 1);
    assert.equal(status.devices, 1);
    assert.equal(status.pending, 0);
    assert.equal(status.home, undefined, 'no gateway-wide facts');

    // Others coming and going: no presence event reaches this session.
    const before = mine.frames.filter((f) => f.event === 'presence').length;
    const third = (await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], clientMode: 'backend' })).socket;
    otherSession.close();
    await otherSession.closed;
    // The token client hears about it all; by then the gateway has fanned the events out to everyone.
    await tokenClient.next((f) => f.event === 'presence' && !JSON.stringify(f.payload).includes('secret-host'));
    assert.equal(mine.frames.filter((f) => f.event === 'presence').length, before);
    // Its own second connection: it hears about that, and only about itself.
    const second = await deviceSession(id, token);
    const own = await mine.next((f) => f.event === 'presence' && f.payload.presence.length === 2);
    assert.ok(own.payload.presence.every((p: { deviceId?: string }) => p.deviceId === id.deviceId));

    // Nodes are devices too: another device's node is not listed or described to this session.
    const nodeDev = createIdentity();
    const node = (await connectDevice(h.url, nodeDev, { token: h.token, role: 'node', clientId: 'node-host', clientMode: 'node', displayName: 'secret-node' })).socket;
    assert.equal((await tokenClient.call('node.list')).nodes.length, 1, 'a token holder sees the node');
    assert.deepEqual((await mine.call('node.list')).nodes, []);
    assert.equal((await mine.request('node.describe', { nodeId: nodeDev.deviceId })).error?.message, 'unknown nodeId');
    node.close();

    const all = await tokenClient.call('system-presence');
    assert.ok(all.length >= 3, 'a token holder still sees everyone');
    for (const s of [mine, second, third, tokenClient]) s.close();
  });
});
