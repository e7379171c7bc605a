// Bad input to the approval methods: each class gets the reference's error and changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice, createIdentity, type TestSocket } from '../testing/device-client';
import { connectApprover } from '../testing/approval-client';
import { startFakeNode, type FakeNode } from '../testing/fake-node';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { approveNodeCommands } from '../testing/node-commands';

let h: Harness;
let node: FakeNode;
let approver: TestSocket;
let requester: TestSocket;
let pendingId: string;

function plan(commandText = '/usr/bin/echo hi', argv = ['/usr/bin/echo', 'hi']) {
  return { argv, cwd: '/tmp', commandText, commandPreview: null, agentId: 'main', sessionKey: 's' };
}

before(async () => {
  h = await startHarness();
  node = await startFakeNode(h.url, h.token);
  await approveNodeCommands(h.url, h.token, node.id.deviceId);
  approver = await connectApprover(h.url, h.token);
  requester = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.approvals'], clientId: 'gateway-client', clientMode: 'backend' })).socket;
  const first = await requester.request('exec.approval.request', { systemRunPlan: plan(), host: 'node', nodeId: node.id.deviceId, ask: 'always', twoPhase: true });
  pendingId = first.payload.id;
});
after(async () => {
  for (const s of [approver, requester, node.socket]) s.close();
  await h.stop();
});

async function unchanged(): Promise<void> {
  const list = await approver.call('exec.approval.list', {});
  assert.deepEqual(list.map((e: { id: string }) => e.id), [pendingId], 'the pending list is as it was');
}

test('unknown, plugin-namespace and malformed ids: not found, nothing changed', async () => {
  for (const id of ['no-such-id', 'plugin:abc', pendingId.slice(0, 3), `${pendingId}x`]) {
    const r = await approver.request('exec.approval.resolve', { id, decision: 'deny' });
    assert.equal(r.error?.message, 'unknown or expired approval id', id);
    assert.equal(r.error?.details.reason, 'APPROVAL_NOT_FOUND');
    assert.equal((await approver.request('exec.approval.get', { id })).error?.details.reason, 'APPROVAL_NOT_FOUND');
    assert.equal((await approver.request('exec.approval.waitDecision', { id })).error?.message, 'approval expired or not found');
    assert.equal((await approver.request('approval.get', { id })).error?.message, 'approval not found');
    assert.equal((await approver.request('approval.resolve', { id, kind: 'exec', decision: 'deny' })).error?.message, 'approval not found');
    assert.equal((await approver.request('loopgate.approvals.resolve', { id, decision: 'deny' })).error?.details.reason, 'APPROVAL_NOT_FOUND');
  }
  const reserved = await requester.request('exec.approval.request', { id: 'plugin:mine', command: 'ls', host: 'gateway' });
  assert.equal(reserved.error?.message, 'approval ids starting with plugin: are reserved');
  const dup = await requester.request('exec.approval.request', { id: pendingId, command: 'ls', host: 'gateway' });
  assert.equal(dup.error?.message, 'approval id already pending');
  await unchanged();
});

test('decisions outside the set and unavailable ones are refused; the record stays pending', async () => {
  for (const decision of ['allow', 'ALLOW-ONCE', '', 1, null, { d: 'deny' }]) {
    assert.equal((await approver.request('exec.approval.resolve', { id: pendingId, decision })).error?.message, 'invalid decision');
    assert.equal((await approver.request('approval.resolve', { id: pendingId, kind: 'exec', decision })).error?.message, 'invalid decision');
    assert.match((await approver.request('loopgate.approvals.resolve', { id: pendingId, decision })).error!.message, /^invalid decision/);
  }
  // ask:"always" leaves only allow-once and deny (and no 30-minute grant either).
  const always = await approver.request('exec.approval.resolve', { id: pendingId, decision: 'allow-always' });
  assert.equal(always.error?.message, 'allow-always is unavailable for this command');
  assert.equal(always.error?.details.reason, 'APPROVAL_ALLOW_ALWAYS_UNAVAILABLE');
  const grant = await approver.request('loopgate.approvals.resolve', { id: pendingId, decision: 'allow-for-30-minutes' });
  assert.equal(grant.error?.details.reason, 'APPROVAL_DECISION_UNAVAILABLE');
  const kind = await approver.request('approval.resolve', { id: pendingId, kind: 'plugin', decision: 'deny' });
  assert.equal(kind.error?.message, 'approval not found');
  await unchanged();
});

test('callers without operator.approvals cannot see, ask or decide', async () => {
  const writer = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.write', 'operator.pairing'] })).socket;
  for (const [m, p] of [
    ['exec.approval.resolve', { id: pendingId, decision: 'allow-once' }], ['approval.resolve', { id: pendingId, kind: 'exec', decision: 'allow-once' }],
    ['exec.approval.list', {}], ['exec.approval.get', { id: pendingId }], ['exec.approval.request', { command: 'ls' }],
    ['loopgate.approvals.resolve', { id: pendingId, decision: 'allow-once' }], ['approval.get', { id: pendingId }],
  ] as const) {
    assert.equal((await writer.request(m, p)).error?.message, 'missing scope: operator.approvals', m);
  }
  // operator.approvals without admin sees only its own requests.
  const peer = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.approvals'], clientId: 'gateway-client', clientMode: 'backend' })).socket;
  assert.deepEqual(await peer.call('exec.approval.list', {}), []);
  assert.equal((await peer.request('exec.approval.resolve', { id: pendingId, decision: 'allow-once' })).error?.details.reason, 'APPROVAL_NOT_FOUND');
  assert.ok(!writer.frames.some((f) => f.event?.startsWith('exec.approval')));
  writer.close();
  peer.close();
  await unchanged();
});

test('malformed requests: closed params, host=node without node or plan, over the display limit', async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ command: 'ls', surprise: 1 }, /invalid exec\.approval\.request params/],
    [{ command: 'ls', timeoutMs: 0 }, /invalid exec\.approval\.request params/],
    [{ command: 'ls', commandArgv: 'ls' }, /invalid exec\.approval\.request params/],
    [{ host: 'node', systemRunPlan: plan() }, /^nodeId is required for host=node$/],
    [{ host: 'node', nodeId: node.id.deviceId, command: 'ls' }, /^systemRunPlan is required for host=node$/],
    [{ host: 'node', nodeId: node.id.deviceId, systemRunPlan: plan('ls', []) }, /^commandArgv is required for host=node$/],
    [{ command: '   ' }, /^command is required$/],
    [{ command: 'x'.repeat(16_385) }, /^command exceeds exec approval display limit$/],
    [{ command: '\u200b'.repeat(2100) }, /^command exceeds exec approval display limit$/],
  ];
  for (const [params, message] of cases) {
    const r = await requester.request('exec.approval.request', params);
    assert.equal(r.ok, false, JSON.stringify(params).slice(0, 80));
    assert.match(r.error!.message, message);
    if (/display limit/.test(r.error!.message)) assert.equal(r.error?.details.reason, 'EXEC_APPROVAL_COMMAND_DISPLAY_LIMIT');
  }
  await unchanged();
});

test('10,000 requests from one client: a per-client cap with a clear error; other clients are unaffected', async () => {
  const flood = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.approvals'], clientId: 'gateway-client', clientMode: 'backend' })).socket;
  let refused = 0;
  let firstError: { message: string; details?: { reason: string; limit: number } } | undefined;
  const done = new Promise<void>((resolve) => {
    flood.ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.type === 'res' && f.id?.startsWith('f') && !f.ok) {
        firstError ??= f.error;
        if (++refused === 10_000 - 256) resolve();
      }
    });
  });
  for (let i = 0; i < 10_000; i++) flood.send({ type: 'req', id: `f${i}`, method: 'exec.approval.request', params: { command: `echo ${i}`, host: 'gateway', requireDeliveryRoute: false } });
  await done;
  assert.match(firstError!.message, /^too many pending exec approvals from this client \(256\)/);
  assert.equal(firstError!.details?.reason, 'EXEC_APPROVAL_PENDING_LIMIT');
  assert.equal(h.gw.hub.exec.records.size, 257);
  const other = await requester.request('exec.approval.request', { command: 'echo other', host: 'gateway', requireDeliveryRoute: false, twoPhase: true });
  assert.equal(other.payload.status, 'accepted');
  await approver.call('exec.approval.resolve', { id: other.payload.id, decision: 'deny' });
  // Leaving does not free a token client's approvals early (they time out); a device's count follows the device.
  flood.close();
});

test('a paired device\'s own session never decides, even with operator.admin: no route, no events, refused', async () => {
  const id = createIdentity();
  const scopes = ['operator.admin', 'operator.approvals'];
  const first = await connectDevice(h.url, id, { token: h.token, scopes, clientId: 'gateway-client', clientMode: 'backend' });
  assert.equal(first.res.ok, true, JSON.stringify(first.res.error));
  first.socket.close();
  const dev = await connectDevice(h.url, id, { deviceToken: first.res.payload.auth.deviceToken, scopes, clientId: 'gateway-client', clientMode: 'backend', tamper: (p) => { p.caps = ['exec-approvals']; } });
  assert.equal(dev.res.payload?.auth?.method, 'device-token');
  const s = dev.socket;
  for (const [m, p] of [
    ['exec.approval.resolve', { id: pendingId, decision: 'allow-once' }], ['approval.resolve', { id: pendingId, kind: 'exec', decision: 'allow-once' }],
    ['loopgate.approvals.resolve', { id: pendingId, decision: 'allow-once' }], ['node.pair.approve', { requestId: 'x' }], ['node.pair.reject', { requestId: 'x' }],
  ] as const) {
    assert.match((await s.request(m, p)).error!.message, /is reserved for the user/, m);
  }
  // It is no route: with only it listening, a request has nobody to ask.
  const quiet = await startHarness();
  try {
    const first2 = await connectDevice(quiet.url, id, { token: quiet.token, scopes, clientId: 'gateway-client', clientMode: 'backend' });
    const listener = (await connectDevice(quiet.url, id, { deviceToken: first2.res.payload.auth.deviceToken, scopes, clientId: 'gateway-client', clientMode: 'backend', tamper: (p) => { p.caps = ['exec-approvals']; } })).socket;
    first2.socket.close();
    const asker2 = (await connectDevice(quiet.url, null, { token: quiet.token, scopes: ['operator.approvals'], clientId: 'gateway-client', clientMode: 'backend' })).socket;
    const r = await asker2.request('exec.approval.request', { command: 'ls', host: 'gateway', twoPhase: true });
    assert.equal(r.payload.decision, null, 'no route');
    assert.ok(!listener.frames.some((f) => f.event === 'exec.approval.requested'));
    listener.close();
    asker2.close();
  } finally {
    await quiet.stop();
  }
  s.close();
  assert.equal((await approver.call('exec.approval.get', { id: pendingId })).id, pendingId, 'still pending, undecided');
});
