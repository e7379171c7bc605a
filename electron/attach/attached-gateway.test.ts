// Attach mode against a real gateway on another port: Loopgate's own gateway plays the upstream here (the real
// OpenClaw gateway is exercised by the interop check and the Playwright attach test). The window side is a real
// socket with a one-time owner credential, exactly as the renderer connects.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startGateway, type Gateway } from '../gateway/gateway';
import type { TestSocket } from '../testing/device-client';
import { connectDevice, createIdentity } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import type { AttachedGateway} from './attached-gateway';
import { startAttached } from './attached-gateway';

const FAST = { minMs: 20, maxMs: 200, unauthorizedMs: 100 };
let upHome: string;
let up: Gateway;
let upPort: number;
let att: AttachedGateway | undefined;

async function attach(token = up.gatewayToken(), port = upPort): Promise<AttachedGateway> {
  att = await startAttached({ home: await mkdtemp(join(tmpdir(), 'loopgate-attached-')), url: `ws://127.0.0.1:${port}`, secret: async () => ({ secret: token, kind: 'token' }), backoff: FAST, log: () => {} });
  return att;
}

async function windowSocket(gw: AttachedGateway): Promise<TestSocket> {
  const r = await connectDevice(gw.url, null, { token: gw.issueOwnerCredential(), scopes: ['operator.admin'], clientId: 'loopgate-ui', clientMode: 'ui' });
  assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
  return r.socket;
}

/** A device paired as an operator on the upstream, then asking for the node role: a role upgrade for the user. */
async function roleUpgrade(): Promise<{ deviceId: string; requestId: string; id: ReturnType<typeof createIdentity> }> {
  const id = createIdentity();
  const first = await connectDevice(up.url, id, { token: up.gatewayToken(), scopes: ['operator.read'], displayName: 'agent-b' });
  assert.equal(first.res.ok, true);
  first.socket.close();
  const ask = await connectDevice(up.url, id, { token: up.gatewayToken(), role: 'node', clientId: 'node-host', clientMode: 'node' });
  assert.equal(ask.res.error?.details?.reason, 'role-upgrade');
  return { deviceId: id.deviceId, requestId: ask.res.error!.details.requestId, id };
}

before(async () => {
  upHome = await mkdtemp(join(tmpdir(), 'loopgate-upstream-'));
  up = await startGateway({ home: upHome, port: 0 });
  upPort = up.port;
});
afterEach(async () => {
  await att?.close();
  att = undefined;
});
after(async () => {
  await up.close();
});

test('attaches as an operator with its own device identity; the window sees that gateway\'s devices', async () => {
  const gw = await attach();
  await gw.upstream.waitFor((s) => s.status === 'connected');
  const w = await windowSocket(gw);
  try {
    const hello = w.frames.find((f) => f.id === 'connect-1')!.payload;
    assert.equal(hello.snapshot.attach.status, 'connected');
    assert.equal(hello.snapshot.attach.url, up.url);
    const status = await w.call('status');
    assert.equal(status.attach.mode, 'attach');
    assert.match(status.attach.text, /^attached to the OpenClaw gateway at ws:\/\/127\.0\.0\.1:\d+$/);
    // Loopgate's device identity shows on the upstream as a connected session, the same one on every start.
    const presence = up.presence() as Array<{ deviceId?: string; clientId: string }>;
    assert.ok(presence.some((p) => p.clientId === 'gateway-client' && typeof p.deviceId === 'string'));
  } finally {
    w.close();
  }
});

test('a role upgrade on that gateway reaches the window, the tray and notifications; Approve pairs it there', async () => {
  const gw = await attach();
  await gw.upstream.waitFor((s) => s.status === 'connected');
  const w = await windowSocket(gw);
  const notified: string[] = [];
  gw.on('request', (r) => notified.push(r.requestId));
  try {
    const ask = await roleUpgrade();
    const ev = await w.next((f) => f.event === 'device.pair.requested' && f.payload.requestId === ask.requestId);
    assert.equal(ev.payload.reason, 'role-upgrade');
    assert.deepEqual(ev.payload.heldRoles, ['operator']);
    assert.equal(ev.payload.role, 'node');
    await eventually(() => notified.includes(ask.requestId), 'the tray and notifications to hear of it');
    assert.deepEqual(gw.pending().map((r) => r.requestId), [ask.requestId]);
    assert.equal((await w.call('device.pair.list')).pending[0].requestId, ask.requestId);

    const res = await w.call('device.pair.approve', { requestId: ask.requestId });
    assert.equal(res.device.deviceId, ask.deviceId);
    assert.ok(res.device.roles.includes('node'));
    await w.next((f) => f.event === 'device.pair.resolved' && f.payload.requestId === ask.requestId);
    assert.equal(gw.pending().length, 0);
    const again = await connectDevice(up.url, ask.id, { token: up.gatewayToken(), role: 'node', clientId: 'node-host', clientMode: 'node' });
    assert.equal(again.res.ok, true, 'paired on that gateway');
    again.socket.close();
    const audit = await w.call('loopgate.audit.list', {});
    assert.deepEqual(audit.entries.slice(0, 2).map((e: { decision: string }) => e.decision), ['approved', 'requested']);
  } finally {
    w.close();
  }
});

test('Deny from the tray rejects on that gateway; rename, rotate and remove go there too', async () => {
  const gw = await attach();
  await gw.upstream.waitFor((s) => s.status === 'connected');
  const ask = await roleUpgrade();
  await eventually(() => gw.pending().some((r) => r.requestId === ask.requestId), 'the request to be mirrored');
  assert.deepEqual(await gw.reject(ask.requestId), { requestId: ask.requestId, deviceId: ask.deviceId });
  assert.equal(up.pending().length, 0);
  const w = await windowSocket(gw);
  try {
    await w.call('device.pair.rename', { deviceId: ask.deviceId, label: 'Named there' });
    assert.equal(up.pairing.store.get(ask.deviceId)?.operatorLabel, 'Named there');
    const rotated = await w.call('device.token.rotate', { deviceId: ask.deviceId, role: 'operator' });
    assert.equal(rotated.deviceId, ask.deviceId);
    const narrow = await w.request('loopgate.device.narrow', { deviceId: ask.deviceId, scopes: [] });
    assert.match(narrow.error!.message, /not available while Loopgate is attached to an OpenClaw gateway/);
    const unknown = await w.request('device.pair.approve', { requestId: 'nope' });
    assert.equal(unknown.ok, false);
    assert.match(unknown.error!.message, /^the OpenClaw gateway says: unknown requestId/);
    await w.call('device.pair.remove', { deviceId: ask.deviceId });
    assert.equal(up.pairing.store.get(ask.deviceId), undefined);
  } finally {
    w.close();
  }
});

test('that gateway restarting leaves Loopgate reconnected; requests made meanwhile arrive', async () => {
  const gw = await attach();
  await gw.upstream.waitFor((s) => s.status === 'connected');
  const w = await windowSocket(gw);
  const states: string[] = [];
  w.ws.on('message', (d) => { const f = JSON.parse(String(d)); if (f.event === 'loopgate.attach') states.push(f.payload.status); });
  try {
    await up.close();
    await gw.upstream.waitFor((s) => s.status === 'reconnecting');
    up = await startGateway({ home: upHome, port: upPort });
    await gw.upstream.waitFor((s) => s.status === 'connected');
    await eventually(() => states.at(-1) === 'connected', 'the window to hear that it is attached again');
    assert.ok(states.includes('reconnecting'), states.join(','));
    const ask = await roleUpgrade();
    await w.next((f) => f.event === 'device.pair.requested' && f.payload.requestId === ask.requestId);
  } finally {
    w.close();
  }
});

test('a wrong token is a clear, lasting state; the window still opens and says so', async () => {
  const gw = await attach('not-the-token');
  const s = await gw.upstream.waitFor((st) => st.status === 'unauthorized');
  assert.match(s.lastError!, /unauthorized: gateway token mismatch/);
  assert.match(gw.upstream.describe(), /refused the token/);
  const w = await windowSocket(gw);
  try {
    assert.equal((await w.call('status')).attach.status, 'unauthorized');
    const list = await w.request('device.pair.list', {});
    assert.equal(list.ok, true, 'the (empty) mirror is served while detached');
    const approve = await w.request('device.pair.approve', { requestId: 'x' });
    assert.match(approve.error!.message, /is not connected/);
  } finally {
    w.close();
  }
});

test('nobody connected: reconnecting with backoff, not a crash', async () => {
  const gw = await attach(up.gatewayToken(), 9); // nothing listens on port 9 here
  const s = await gw.upstream.waitFor((st) => st.status === 'reconnecting' && st.attempts >= 3);
  assert.match(s.lastError!, /ECONNREFUSED/);
  assert.ok(s.retryAtMs! > Date.now() - 1000);
});

test('the local server lets only the window in: no owner credential, no session', async () => {
  const gw = await attach();
  const bad = await connectDevice(gw.url, null, { token: up.gatewayToken(), scopes: ['operator.admin'] });
  assert.equal(bad.res.ok, false);
  assert.match(bad.res.error!.message, /^unauthorized: this Loopgate is attached to an OpenClaw gateway/);
  assert.equal((await bad.socket.closed).code, 1008);
  const device = await connectDevice(gw.url, createIdentity(), { token: gw.issueOwnerCredential(), scopes: ['operator.read'] });
  assert.equal(device.res.ok, false, 'a device identity is never the window');
  const browser = new WebSocket(gw.url, { headers: { Origin: 'http://evil.example' } });
  browser.on('error', () => {});
  const status = await new Promise<number>((resolve) => { browser.on('unexpected-response', (_q, r) => resolve(r.statusCode ?? 0)); browser.on('open', () => resolve(101)); });
  assert.equal(status, 403);
  browser.terminate();
});
