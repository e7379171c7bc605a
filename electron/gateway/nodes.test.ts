// node.list / node.describe / node.invoke: a real node socket receives node.invoke.request and answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice, createIdentity, type TestSocket } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { approveNodeCommands } from '../testing/node-commands';

let h: Harness;
let node: TestSocket;
let operator: TestSocket;
const nodeId = createIdentity();

before(async () => {
  h = await startHarness();
  const n = await connectDevice(h.url, nodeId, {
    token: h.token, role: 'node', clientId: 'node-host', clientMode: 'node', displayName: 'build box',
    tamper: (p) => { p.caps = ['system']; p.commands = ['system.run', 'system.which']; },
  });
  assert.equal(n.res.ok, true, JSON.stringify(n.res.error));
  node = n.socket;
  operator = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.write'] })).socket;
  await approveNodeCommands(h.url, h.token, nodeId.deviceId);
});
after(async () => {
  node.close();
  operator.close();
  await h.stop();
});

test('node.list and node.describe show the connected node, its caps and commands', async () => {
  const list = await operator.call('node.list');
  assert.equal(list.nodes.length, 1);
  assert.equal(list.nodes[0].nodeId, nodeId.deviceId);
  assert.deepEqual(list.nodes[0].commands, ['system.run', 'system.which']);
  const one = await operator.call('node.describe', { nodeId: nodeId.deviceId });
  assert.deepEqual(one.caps, ['system']);
  const missing = await operator.request('node.describe', { nodeId: 'nope' });
  assert.equal(missing.error?.message, 'unknown nodeId');
});

test('node.invoke relays to the node and returns its answer', async () => {
  const pending = operator.request('node.invoke', { nodeId: nodeId.deviceId, command: 'system.which', params: { name: 'git' } });
  const ask = await node.event('node.invoke.request');
  assert.equal(ask.payload.command, 'system.which');
  assert.deepEqual(JSON.parse(ask.payload.paramsJSON), { name: 'git' });
  const ack = await node.request('node.invoke.result', { id: ask.payload.id, nodeId: nodeId.deviceId, ok: true, payloadJSON: '{"path":"/usr/bin/git"}' });
  assert.equal(ack.ok, true);
  const res = await pending;
  assert.equal(res.ok, true);
  assert.deepEqual(res.payload.payload, { path: '/usr/bin/git' });
});

test('a node error, a timeout, an undeclared command and a stranger\'s answer each get a clear result', async () => {
  const failing = operator.request('node.invoke', { nodeId: nodeId.deviceId, command: 'system.run', params: { cmd: 'false' } });
  const ask = await node.next((f) => f.event === 'node.invoke.request' && f.payload.command === 'system.run');
  await node.request('node.invoke.result', { id: ask.payload.id, ok: false, error: { message: 'exit 1' } });
  const failed = await failing;
  assert.equal(failed.ok, false);
  assert.match(failed.error!.message, /node command failed: exit 1/);

  const slow = await operator.request('node.invoke', { nodeId: nodeId.deviceId, command: 'system.run', timeoutMs: 30 });
  assert.equal(slow.error?.code, 'AGENT_TIMEOUT');
  assert.equal(h.gw.invocations.size, 0, 'a timed-out invocation is not kept');

  const undeclared = await operator.request('node.invoke', { nodeId: nodeId.deviceId, command: 'camera.snap' });
  assert.match(undeclared.error!.message, /node does not offer command: camera\.snap/);

  const stranger = await connectDevice(h.url, createIdentity(), { token: h.token, role: 'node', clientId: 'node-host', clientMode: 'node' });
  const forged = await stranger.socket.request('node.invoke.result', { id: 'whatever', ok: true });
  assert.equal(forged.error?.message, 'unknown invoke id');
  stranger.socket.close();

  const reader = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'] })).socket;
  const denied = await reader.request('node.invoke', { nodeId: nodeId.deviceId, command: 'system.which' });
  assert.equal(denied.error?.message, 'missing scope: operator.write');
  reader.close();
});

test('invocations still waiting when their node disconnects fail at once and are not kept', async () => {
  const id = createIdentity();
  const n = await connectDevice(h.url, id, {
    token: h.token, role: 'node', clientId: 'node-host', clientMode: 'node',
    tamper: (p) => { p.commands = ['system.run']; },
  });
  assert.equal(n.res.ok, true, JSON.stringify(n.res.error));
  await approveNodeCommands(h.url, h.token, id.deviceId);
  const calls = Array.from({ length: 5 }, () => operator.request('node.invoke', { nodeId: id.deviceId, command: 'system.run', timeoutMs: 60_000 }));
  await eventually(() => n.socket.frames.filter((f) => f.event === 'node.invoke.request').length === 5, 'five invoke requests at the node');
  assert.equal(h.gw.invocations.size, 5);
  n.socket.close();
  for (const r of await Promise.all(calls)) assert.match(r.error!.message, /node disconnected before answering/);
  assert.equal(h.gw.invocations.size, 0);
});
