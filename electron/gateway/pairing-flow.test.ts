// The silent-approval rule end to end over real sockets and a real store on disk.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectDevice, createIdentity, type TestSocket } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';

let h: Harness;
let watcher: TestSocket;
beforeEach(async () => {
  h = await startHarness({ pendingTtlMs: 60_000, denyCooldownMs: 1_000 });
  // A gateway-token client that watches the pairing events and decides (what `loopgate devices` would be).
  watcher = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin'] })).socket;
});
afterEach(async () => {
  watcher.close();
  await h.stop();
});

const pairEvents = (name: string) => watcher.frames.filter((f) => f.type === 'event' && f.event === name);

describe('the seed scenario', () => {
  test('local read → silent; admin → silent; node role → explicit; after approval node connects', async () => {
    const id = createIdentity();
    const requested: unknown[] = [];
    h.gw.on('request', (r) => requested.push(r));

    const first = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'] });
    assert.equal(first.res.ok, true, JSON.stringify(first.res.error));
    assert.match(first.res.payload.auth.deviceToken, /^[A-Za-z0-9_-]{43}$/);
    first.socket.close();

    const admin = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.admin'] });
    assert.equal(admin.res.ok, true, JSON.stringify(admin.res.error));
    assert.equal((await admin.socket.call('sessions.patch', { key: 'agent:1', label: 'sub-agent' })).ok, true, 'sessions.patch now works');
    admin.socket.close();
    assert.equal(pairEvents('device.pair.requested').length, 0, 'no notification event for silent approvals');
    assert.equal(requested.length, 0);
    const audit = h.gw.pairing.audit.recent(10);
    assert.equal(audit.filter((e) => e.silent && e.decision === 'approved').length, 2);
    assert.deepEqual(audit.filter((e) => e.silent).map((e) => e.reason).sort(), ['not-paired', 'scope-upgrade']);

    const node = await connectDevice(h.url, id, { token: h.token, role: 'node', scopes: [], clientId: 'node-host', clientMode: 'node' });
    assert.equal(node.res.ok, false);
    assert.equal(node.res.error!.code, 'NOT_PAIRED');
    assert.equal(node.res.error!.message, 'pairing required: device is asking for a higher role than currently approved');
    const details = node.res.error!.details;
    assert.equal(details.code, 'PAIRING_REQUIRED');
    assert.equal(details.reason, 'role-upgrade');
    assert.match(details.requestId, /^[0-9a-f-]{36}$/);
    const closed = await node.socket.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /^pairing required: .*\(requestId: /);
    const ev = await watcher.event('device.pair.requested');
    assert.equal(ev.payload.requestId, details.requestId);
    assert.equal(ev.payload.role, 'node');
    assert.deepEqual(ev.payload.heldRoles, ['operator']);
    assert.equal(requested.length, 1);

    const approved = await watcher.call('device.pair.approve', { requestId: details.requestId });
    assert.deepEqual(approved.device.roles, ['node', 'operator']);
    const resolved = await watcher.next((f) => f.event === 'device.pair.resolved' && f.payload.requestId === details.requestId);
    assert.equal(resolved.payload.decision, 'approved');

    const again = await connectDevice(h.url, id, { token: h.token, role: 'node', scopes: [], clientId: 'node-host', clientMode: 'node' });
    assert.equal(again.res.ok, true, JSON.stringify(again.res.error));
    assert.match(again.res.payload.auth.deviceToken, /^[A-Za-z0-9_-]{43}$/, 'the approved token is handed over on the next connect');
    again.socket.close();
  });

  for (const [label, headers] of [
    ['an Origin header', (port: number) => ({ Origin: `http://127.0.0.1:${port}` })],
    ['a proxy header', () => ({ 'X-Forwarded-For': '203.0.113.9' })],
    ['a non-local Host', () => ({ Host: 'gateway.example' })],
  ] as const) {
    test(`the same scope upgrade with ${label} is not silent`, async () => {
      const id = createIdentity();
      const first = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'] });
      assert.equal(first.res.ok, true);
      first.socket.close();
      const up = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.admin'], headers: headers(h.gw.port) });
      assert.equal(up.res.ok, false);
      assert.equal(up.res.error!.details.code, 'PAIRING_REQUIRED');
      assert.equal(up.res.error!.details.reason, 'scope-upgrade');
      assert.equal((await up.socket.closed).code, 1008);
      const ev = await watcher.event('device.pair.requested');
      assert.notEqual(ev.payload.locality, 'local');
    });
  }

  test('a device without any credential is never local, even on loopback', async () => {
    const id = createIdentity();
    const r = await connectDevice(h.url, id, { scopes: ['operator.read'] });
    assert.equal(r.res.ok, false);
    assert.equal(r.res.error!.details.reason, 'not-paired');
  });
});

describe('pending requests', () => {
  test('the same ask keeps its requestId; a different ask replaces it and the old id is unknown', async () => {
    const id = createIdentity();
    const ask = (scopes: string[]) => connectDevice(h.url, id, { token: h.token, scopes, headers: { Host: 'gateway.example' } });
    const a = (await ask(['operator.read'])).res.error!.details.requestId;
    const b = (await ask(['operator.read'])).res.error!.details.requestId;
    assert.equal(a, b);
    const c = (await ask(['operator.read', 'operator.write'])).res.error!.details.requestId;
    assert.notEqual(c, a);
    const superseded = await watcher.next((f) => f.event === 'device.pair.resolved' && f.payload.requestId === a);
    assert.equal(superseded.payload.cause, 'superseded');
    const stale = await watcher.request('device.pair.approve', { requestId: a });
    assert.equal(stale.ok, false);
    assert.equal(stale.error!.message, 'unknown requestId');
    assert.equal(h.gw.pairing.store.get(id.deviceId), undefined, 'approving a superseded request changed nothing');
    const list = await watcher.call('device.pair.list', {});
    assert.equal(list.pending.length, 1);
    assert.equal(list.pending[0].requestId, c);
  });

  test('deny starts a cooldown: the device is rejected without a new request', async () => {
    const id = createIdentity();
    const r = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
    await watcher.call('device.pair.reject', { requestId: r.res.error!.details.requestId });
    const again = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
    assert.equal(again.res.error!.details.code, 'PAIRING_REJECTED');
    assert.equal(pairEvents('device.pair.requested').length, 1);
  });

  test('requests expire as deny after the TTL', async () => {
    await h.stop();
    h = await startHarness({ pendingTtlMs: 150 });
    const w = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.pairing'] })).socket;
    const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
    const ev = await w.next((f) => f.event === 'device.pair.resolved' && f.payload.requestId === r.res.error!.details.requestId);
    assert.equal(ev.payload.decision, 'rejected');
    assert.equal(ev.payload.cause, 'expired');
    assert.equal((await w.call('device.pair.list', {})).pending.length, 0);
    w.close();
  });

  test('pairing events reach only connections allowed to see them', async () => {
    const reader = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'] })).socket;
    await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
    await watcher.event('device.pair.requested');
    await reader.call('health');
    assert.equal(reader.frames.filter((f) => f.event === 'device.pair.requested').length, 0);
    reader.close();
  });
});

describe('tokens and approvers', () => {
  async function pairLocal(scopes: string[]) {
    const id = createIdentity();
    const r = await connectDevice(h.url, id, { token: h.token, scopes });
    assert.equal(r.res.ok, true);
    r.socket.close();
    return { id, token: r.res.payload.auth.deviceToken as string };
  }

  test('device token reconnects, is reused while it covers the ask, and works alone', async () => {
    const { id, token } = await pairLocal(['operator.read']);
    const again = await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.read'] });
    assert.equal(again.res.ok, true, JSON.stringify(again.res.error));
    assert.equal(again.res.payload.auth.method, 'device-token');
    assert.equal(again.res.payload.auth.deviceToken, token);
    again.socket.close();
    const bad = await connectDevice(h.url, id, { deviceToken: 'not-a-valid-device-token', scopes: ['operator.read'] });
    assert.equal(bad.res.error!.details.code, 'AUTH_DEVICE_TOKEN_MISMATCH');
    const wrongShared = await connectDevice(h.url, id, { token: 'wrong', scopes: ['operator.read'] });
    assert.equal(wrongShared.res.error!.details.code, 'AUTH_TOKEN_MISMATCH');
  });

  test('revocation closes live connections and the token stops working', async () => {
    const { id, token } = await pairLocal(['operator.read']);
    const live = await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.read'] });
    assert.equal(live.res.ok, true);
    await watcher.call('device.token.revoke', { deviceId: id.deviceId, role: 'operator' });
    assert.equal((await live.socket.closed).code, 1008);
    const after = await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.read'] });
    assert.equal(after.res.ok, false);
    assert.equal(after.res.error!.details.code, 'AUTH_DEVICE_TOKEN_MISMATCH');
  });

  test('rotation returns a new token to the owner; the old one fails at once', async () => {
    const { id, token } = await pairLocal(['operator.admin']);
    const rotated = await watcher.call('device.token.rotate', { deviceId: id.deviceId, role: 'operator', scopes: ['operator.read'] });
    assert.match(rotated.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(rotated.scopes, ['operator.read']);
    assert.equal((await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.read'] })).res.ok, false);
    assert.equal((await connectDevice(h.url, id, { deviceToken: rotated.token, scopes: ['operator.read'] })).res.ok, true);
    const tooWide = await watcher.request('device.token.rotate', { deviceId: id.deviceId, role: 'operator', scopes: ['operator.admin', 'other.scope'] });
    assert.equal(tooWide.ok, false);
  });

  test('a paired device never decides requests, even after widening itself to admin silently', async () => {
    const { id: approverId, token } = await pairLocal(['operator.pairing']);
    const approver = (await connectDevice(h.url, approverId, { deviceToken: token, scopes: ['operator.pairing'] })).socket;
    const target = createIdentity();
    const r = await connectDevice(h.url, target, { token: h.token, scopes: ['operator.admin'], headers: { Host: 'gateway.example' } });
    const res = await approver.request('device.pair.approve', { requestId: r.res.error!.details.requestId });
    assert.match(res.error!.message, /^device\.pair\.approve is reserved for the user/);
    assert.equal(h.gw.pairing.store.get(target.deviceId), undefined);
    approver.close();
    // The review's H2 chain: ask for a role (explicit), widen to admin silently, then try to approve oneself.
    const node = await connectDevice(h.url, approverId, { token: h.token, role: 'node', scopes: [] });
    const requestId = node.res.error!.details.requestId as string;
    assert.equal(node.res.error!.details.reason, 'role-upgrade');
    const admin = await connectDevice(h.url, approverId, { deviceToken: token, scopes: ['operator.admin'] });
    assert.equal(admin.res.ok, true, 'the local scope upgrade itself is silent, by design');
    const self = await admin.socket.request('device.pair.approve', { requestId });
    assert.match(self.error!.message, /reserved for the user/);
    for (const m of ['config.set', 'loopgate.gateway.token.get', 'loopgate.dashboard.link']) {
      const r2 = await admin.socket.request(m, m === 'config.set' ? { path: 'pairingPaused', value: false } : {});
      assert.match(r2.error!.message, /reserved for the user/, m);
    }
    assert.deepEqual(h.gw.pairing.store.get(approverId.deviceId)!.roles, ['operator']);
    admin.socket.close();
  });

  test('remove forgets the device and closes its sockets; the token never reaches the disk', async () => {
    const { id, token } = await pairLocal(['operator.read']);
    const live = await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.read'] });
    assert.deepEqual(await watcher.call('device.pair.remove', { deviceId: id.deviceId }), { deviceId: id.deviceId });
    assert.equal((await live.socket.closed).code, 1008);
    const gone = await watcher.request('device.pair.remove', { deviceId: id.deviceId });
    assert.equal(gone.error!.message, 'unknown deviceId');
    await h.gw.pairing.store.flush();
    for (const name of await readdir(h.home)) {
      const bytes = await readFile(join(h.home, name)).catch(() => Buffer.alloc(0));
      assert.equal(bytes.includes(token), false, `${name} holds the token`);
    }
  });

  test('a token client holding only operator.pairing cannot grant admin or a node role', async () => {
    const pairingOnly = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.pairing'] })).socket;
    const admin = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.admin'], headers: { Host: 'gateway.example' } });
    const denied = await pairingOnly.request('device.pair.approve', { requestId: admin.res.error!.details.requestId });
    assert.match(denied.error!.message, /^device pairing approval denied: the approver does not hold operator\.admin/);
    const node = await connectDevice(h.url, createIdentity(), { token: h.token, role: 'node', headers: { Host: 'gateway.example' } });
    const deniedNode = await pairingOnly.request('device.pair.approve', { requestId: node.res.error!.details.requestId });
    assert.match(deniedNode.error!.message, /^device pairing approval denied: approving role node requires operator\.admin/);
    const reader = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.pairing'], headers: { Host: 'gateway.example' } });
    assert.equal((await pairingOnly.call('device.pair.approve', { requestId: reader.res.error!.details.requestId })).device.scopes[0], 'operator.pairing', 'within its own scopes it may approve');
    assert.equal((await pairingOnly.call('device.pair.list', {})).paired.length, 1, 'and it sees every device');
    pairingOnly.close();
  });

  test('settings: silent approval off sends a local first pairing to the user', async () => {
    await watcher.call('config.set', { path: 'silentApproval.enabled', value: false });
    const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'] });
    assert.equal(r.res.error!.details.reason, 'not-paired');
    assert.equal((await watcher.event('device.pair.requested')).payload.locality, 'local');
  });
});
