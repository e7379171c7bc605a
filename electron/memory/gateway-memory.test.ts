// Memory that comes back, over real sockets: clients connect and leave, a pairing storm is approved, denied or
// left to lapse, and afterwards what the gateway holds per connection and per request is back to zero (denial
// cooldowns included, which no new denial comes to sweep). Minted tokens stay until their deadlines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { connectDevice, createIdentity } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness } from '../testing/gateway-harness';
import { fullCollection } from './idle-trim';

test('after every client has left, the per-connection and per-request holders are empty again', async () => {
  const h = await startHarness({ pendingTtlMs: 400, denyCooldownMs: 300, memorySweepMs: 50 });
  try {
    const admin = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin'] })).socket;
    // Paired devices connecting and leaving, several at once.
    await Promise.all(Array.from({ length: 12 }, async () => {
      const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
      assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
      r.socket.close();
      await r.socket.closed;
    }));
    // A pairing storm through a proxy: requests for the user; some denied, some approved, the rest lapse.
    // (At most four wait at once from one program: the first five are decided as they come.)
    for (let i = 0; i < 9; i++) {
      const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], headers: { 'X-Forwarded-For': `203.0.113.${i + 1}` } });
      assert.equal(r.res.error?.details?.code, 'PAIRING_REQUIRED', JSON.stringify(r.res.error));
      const requestId = r.res.error!.details.requestId as string;
      r.socket.close();
      await r.socket.closed;
      if (i < 3) await admin.call('device.pair.reject', { requestId });
      else if (i < 5) await admin.call('device.pair.approve', { requestId });
    }
    const busy = h.gw.memory.held();
    assert.deepEqual({ pairingRequests: busy.pairingRequests, denialCooldowns: busy.denialCooldowns }, { pairingRequests: 4, denialCooldowns: 3 });
    // Minted tokens: the twelve silent pairings' were handed out in their hello-ok and stay for the pickup grace
    // (parallel connects of one start get the same token); the two approved ones wait for their devices. All
    // leave at their deadlines (memory-pruning.test.ts drives those with a clock).
    assert.equal(busy.undeliveredTokens, 14);
    admin.close();
    await admin.closed;

    const idle = {
      connections: 0, preauthAddresses: 0, connectedDevices: 0, authFailureEntries: 0, ownerCredentials: 0, nodeInvocations: 0,
      pairingRequests: 0, denialCooldowns: 0, execApprovals: 0,
    };
    const perClient = () => {
      const { undeliveredTokens, cachedDeviceKeys, ...rest } = h.gw.memory.held();
      assert.ok(undeliveredTokens <= 14);
      assert.equal(cachedDeviceKeys, 0, 'no device came back with the key it was paired with');
      return rest;
    };
    await eventually(() => JSON.stringify(perClient()) === JSON.stringify(idle), 'the holders to empty', 5000)
      .catch((e: Error) => assert.fail(`${e.message}: ${JSON.stringify(h.gw.memory.held())}`));
  } finally {
    await h.stop();
  }
});

test('a connection the gateway closes is let go as soon as its socket has closed, not seconds later', async () => {
  const h = await startHarness();
  try {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(h.url);
      ws.once('message', () => resolve(ws)); // the challenge: the gateway holds the connection now
      ws.once('error', reject);
    })));
    const held = [...h.gw.conns.values()].map((c) => new WeakRef(c));
    assert.equal(held.length, 20);
    const closedAt = Date.now();
    // Not JSON before the handshake: the gateway closes each one itself.
    await Promise.all(sockets.map((ws) => new Promise((resolve) => {
      ws.once('close', resolve);
      ws.send('not json');
    })));
    await eventually(() => h.gw.conns.size === 0, 'the gateway to see every close');
    fullCollection();
    await new Promise((resolve) => setImmediate(resolve));
    fullCollection();
    assert.ok(Date.now() - closedAt < 1500, 'checked well inside the 2 s a stuck peer is given');
    assert.equal(held.filter((r) => r.deref() !== undefined).length, 0, 'no closed connection is still held');
  } finally {
    await h.stop();
  }
});

test('parsed device keys are kept for devices paired with them, not for a pairing storm', async () => {
  const h = await startHarness({ pendingTtlMs: 60_000 });
  try {
    const keys = () => h.gw.memory.held().cachedDeviceKeys;
    const before = keys();
    for (let i = 0; i < 10; i++) {
      const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], headers: { 'X-Forwarded-For': `198.51.100.${i + 1}` } });
      // Four wait for the user, the rest are turned away by the per-program cap: each key was parsed and checked.
      assert.equal(r.res.error?.details?.code, i < 4 ? 'PAIRING_REQUIRED' : 'PAIRING_RATE_LIMITED');
      r.socket.close();
    }
    assert.equal(keys(), before, 'no key of an unpaired device is kept');
    const id = createIdentity();
    const first = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
    assert.equal(first.res.ok, true);
    first.socket.close();
    const again = await connectDevice(h.url, id, { deviceToken: first.res.payload.auth.deviceToken as string, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
    assert.equal(again.res.ok, true);
    again.socket.close();
    assert.equal(keys(), before + 1, 'the paired device\'s key is kept for its reconnects');
  } finally {
    await h.stop();
  }
});
