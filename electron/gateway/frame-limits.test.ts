// Frames as large as node results: 25 MiB by default (as hello-ok advertises), configurable; a result over the
// limit fails that call in words and the node stays connected; frames beyond the socket ceiling still close 1009.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { defaultConfig } from '../../shared/config';
import { connectDevice, createIdentity, type TestSocket } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { approveNodeCommands } from '../testing/node-commands';
import { GatewayConfigStore } from '../config/gateway-config';
import { setSocketFrameCeiling, socketCeiling } from './frame-limits';

let h: Harness;
const nodeId = createIdentity();

async function connectNode(): Promise<TestSocket> {
  const n = await connectDevice(h.url, nodeId, {
    token: h.token, role: 'node', clientId: 'node-host', clientMode: 'node',
    tamper: (p) => { p.commands = ['screen.snapshot']; },
  });
  assert.equal(n.res.ok, true, JSON.stringify(n.res.error));
  // Its declared commands wait for the user the first time; later connects declare nothing new.
  await approveNodeCommands(h.url, h.token, nodeId.deviceId).catch((e: Error) => {
    if (!/no pending command surface/.test(e.message)) throw e;
  });
  return n.socket;
}

async function operator(): Promise<TestSocket> {
  const r = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.write'] });
  assert.equal(r.res.ok, true);
  return r.socket;
}

/** The node answers the next invoke with a payload of `bytes` characters; returns the caller's response. */
async function invokeWithResult(op: TestSocket, node: TestSocket, bytes: number) {
  const pending = op.request('node.invoke', { nodeId: nodeId.deviceId, command: 'screen.snapshot' });
  const ask = await node.next((f) => f.event === 'node.invoke.request' && !node.frames.some((g) => g.type === 'res' && g.id === `ans-${f.payload.id}`));
  const data = 'a'.repeat(bytes);
  const answered = node.next((f) => f.type === 'res' && f.id === `ans-${ask.payload.id}`);
  node.send({ type: 'req', id: `ans-${ask.payload.id}`, method: 'node.invoke.result', params: { id: ask.payload.id, nodeId: nodeId.deviceId, ok: true, payloadJSON: JSON.stringify({ data }) } });
  return { res: await pending, nodeAck: await answered, data };
}

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

test('by default hello-ok advertises 25 MiB and a 2 MB node.invoke result arrives whole', async () => {
  const node = await connectNode();
  const op = await operator();
  try {
    const hello = (await connectDevice(h.url, null, { token: h.token, scopes: [] }));
    assert.equal(hello.res.payload.policy.maxPayload, 26_214_400);
    hello.socket.close();
    const { res, nodeAck, data } = await invokeWithResult(op, node, 2_000_000);
    assert.equal(nodeAck.ok, true);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.payload.data.length, data.length);
    assert.equal(res.payload.payload.data, data);
  } finally {
    node.close();
    op.close();
  }
});

test('a result over maxPayload fails that call with a clear error; the node stays connected and keeps working', async () => {
  await h.gw.setConfig('limits.maxPayloadBytes', 256 * 1024);
  const node = await connectNode();
  const op = await operator();
  try {
    const big = await invokeWithResult(op, node, 300 * 1024);
    assert.equal(big.res.ok, false);
    assert.equal(big.res.error?.code, 'INVALID_REQUEST');
    assert.match(big.res.error!.message, /^node\.invoke result exceeds maxPayload \(\d+ bytes > 262144 bytes\)$/);
    assert.equal(big.nodeAck.ok, false, 'the node hears why its answer was refused');
    assert.match(big.nodeAck.error!.message, /exceeds maxPayload/);
    assert.equal(node.ws.readyState, node.ws.OPEN);
    assert.equal((await op.call('node.list')).nodes.length, 1);
    const small = await invokeWithResult(op, node, 1000);
    assert.equal(small.res.ok, true, 'the next call goes through');
  } finally {
    node.close();
    op.close();
    await h.gw.setConfig('limits.maxPayloadBytes', 26_214_400);
  }
});

test('any oversized request gets an error with its id and the socket stays; past the ceiling it closes 1009', async () => {
  await h.gw.setConfig('limits.maxPayloadBytes', 64 * 1024);
  const a = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'] })).socket;
  const b = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'] })).socket;
  try {
    const res = await a.request('health', { pad: 'x'.repeat(100 * 1024) });
    assert.equal(res.ok, false);
    assert.match(res.error!.message, /^health frame exceeds maxPayload \(\d+ bytes > 65536 bytes\)$/);
    a.send(`{"broken json ${'x'.repeat(100 * 1024)}`);
    const unparsable = await a.next((f) => f.type === 'res' && f.id === 'invalid');
    assert.match(unparsable.error!.message, /^frame exceeds maxPayload/);
    assert.equal((await a.call('health')).ok, true, 'still connected');
    b.send({ type: 'req', id: 'huge', method: 'health', params: { pad: 'x'.repeat(socketCeiling(64 * 1024) + 1) } });
    assert.equal((await b.closed).code, 1009);
    assert.equal((await a.call('health')).ok, true, 'others unaffected');
  } finally {
    a.close();
    b.close();
    await h.gw.setConfig('limits.maxPayloadBytes', 26_214_400);
  }
});

test('a caller that stops reading while large results pile up is dropped as a slow consumer; the node stays', async () => {
  const node = await connectNode();
  const op = await operator();
  const authed = () => (h.gw.status() as { connections: number }).connections;
  try {
    const before = authed();
    op.ws.pause();
    const data = JSON.stringify({ data: 'b'.repeat(3_000_000) });
    for (let i = 0; i < 6; i++) op.ws.send(JSON.stringify({ type: 'req', id: `inv-${i}`, method: 'node.invoke', params: { nodeId: nodeId.deviceId, command: 'screen.snapshot' } }));
    const answered = new Set<string>();
    // Answer every ask until the gateway gives up on the caller (its results then have nowhere to go).
    while (authed() === before && answered.size < 6) {
      const ask = await node.next((f) => f.event === 'node.invoke.request' && !answered.has(f.payload.id), 2000).catch(() => null);
      if (!ask) continue;
      answered.add(ask.payload.id);
      node.send({ type: 'req', id: `ans-${ask.payload.id}`, method: 'node.invoke.result', params: { id: ask.payload.id, ok: true, payloadJSON: data } });
    }
    await eventually(() => authed() === before - 1, 'the gateway to drop the caller that stopped reading', 15_000);
    assert.equal(node.ws.readyState, node.ws.OPEN, 'the node is not punished for the caller');
  } finally {
    op.ws.resume();
    op.ws.terminate();
    node.close();
  }
});

test('bad limits are refused with a reason and change nothing', async () => {
  for (const bad of [0, 1023, 64 * 1024 * 1024 + 1, '1000000', 1.5, null]) {
    await assert.rejects(h.gw.setConfig('limits.maxPayloadBytes', bad), /invalid value for limits\.maxPayloadBytes/, String(bad));
  }
  assert.equal(h.gw.config.get().limits.maxPayloadBytes, 26_214_400);
});

test('a settings file holding the old 1 MiB default is read with the new default', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-limits-'));
  const old = defaultConfig();
  old.limits.maxPayloadBytes = 1_048_576;
  old.port = 4242;
  await writeFile(join(home, 'config.json'), JSON.stringify(old), { mode: 0o600 });
  const store = await GatewayConfigStore.open(home);
  assert.equal(store.get().limits.maxPayloadBytes, 26_214_400);
  assert.equal(store.get().port, 4242, 'the rest is kept');
});

test('the per-socket ceiling fails loudly if ws stops exposing it', () => {
  assert.throws(() => setSocketFrameCeiling({} as WebSocket, 1), /ws internals changed/);
});
