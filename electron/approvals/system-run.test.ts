// The gateway asks, the node enforces: an operator's plain node.invoke system.run is prepared on the node, the
// user is asked (window/approval client), and only an approved run carries the approval flags to the node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice, type Frame, type TestSocket } from '../testing/device-client';
import { startFakeNode, type FakeNode } from '../testing/fake-node';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { approveNodeCommands } from '../testing/node-commands';
import { connectApprover } from '../testing/approval-client';

let h: Harness;
let node: FakeNode;
let approver: TestSocket;
let operator: TestSocket;

before(async () => {
  h = await startHarness({ approvalTimeoutMs: 400 });
  node = await startFakeNode(h.url, h.token);
  await approveNodeCommands(h.url, h.token, node.id.deviceId);
  approver = await connectApprover(h.url, h.token);
  operator = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.write'], clientId: 'cli', clientMode: 'cli' })).socket;
});
after(async () => {
  for (const s of [approver, operator, node.socket]) s.close();
  await h.stop();
});

function run(argv = ['echo', 'hi'], extra: Record<string, unknown> = {}): Promise<Frame> {
  return operator.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.run', params: { command: argv, cwd: '/tmp', agentId: 'main', sessionKey: 'agent:main:main', ...extra } });
}

const asked = new Set<Frame>();
/** The next exec.approval.requested the approver has not been handed yet. */
async function nextAsk(): Promise<Frame> {
  const f = await approver.next((g) => g.event === 'exec.approval.requested' && !asked.has(g));
  asked.add(f);
  return f;
}

test('allow once: prepared, asked, then run with the plan and the flags; the operator gets the output', async () => {
  const pending = run();
  const askEv = await nextAsk();
  assert.equal(askEv.payload.request.command, '/usr/bin/echo hi');
  assert.equal(askEv.payload.request.host, 'node');
  assert.deepEqual(node.calls.map((c) => c.command), ['system.run.prepare'], 'nothing runs before the user answers');
  const view = h.gw.approvals.approvals()[0]!;
  assert.equal(view.via, 'node.invoke');
  assert.equal(view.requester.label, 'gateway token holder (cli)');
  assert.deepEqual(view.allowedDecisions, ['allow-once', 'allow-for-30-minutes', 'allow-always', 'deny']);
  await approver.call('exec.approval.resolve', { id: askEv.payload.id, decision: 'allow-once' });
  const res = await pending;
  assert.equal(res.ok, true, JSON.stringify(res.error));
  assert.equal(res.payload.payload.stdout, 'hi\n');
  const sent = node.calls.at(-1)!;
  assert.equal(sent.command, 'system.run');
  assert.equal(sent.params.approved, true);
  assert.equal(sent.params.approvalDecision, 'allow-once');
  assert.equal(sent.params.runId, askEv.payload.id);
  assert.deepEqual(sent.params.command, ['/usr/bin/echo', 'hi']);
  assert.equal(sent.params.systemRunPlan.policySnapshot.ask, 'on-miss');
  // The allow-once was spent by that run: the same id as a caller-supplied approval is refused.
  const replay = await operator.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.run', params: { ...sent.params } });
  assert.equal(replay.error?.details.code, 'APPROVAL_REQUIRED');
});

test('deny, timeout and a forged approval: nothing reaches the node as approved', async () => {
  node.calls.length = 0;
  const pending = run();
  const askEv = await nextAsk();
  await approver.call('exec.approval.resolve', { id: askEv.payload.id, decision: 'deny' });
  const denied = await pending;
  assert.equal(denied.error?.code, 'UNAVAILABLE');
  assert.match(denied.error!.message, /^SYSTEM_RUN_DENIED: denied by the user/);
  assert.equal(denied.error?.details.reason, 'user-denied');
  assert.equal(denied.error?.details.nodeCommandDispatched, false);
  assert.deepEqual(node.calls.map((c) => c.command), ['system.run.prepare']);

  const slow = run();
  await nextAsk();
  const timedOut = await slow;
  assert.equal(timedOut.error?.details.reason, 'approval-timeout');

  const forged = await run(['echo', 'hi'], { approved: true, approvalDecision: 'allow-once' });
  assert.equal(forged.error?.details.code, 'MISSING_RUN_ID');
  const unknown = await run(['echo', 'hi'], { approved: true, runId: 'no-such-approval' });
  assert.equal(unknown.error?.details.code, 'UNKNOWN_APPROVAL_ID');
  assert.ok(!node.calls.some((c) => c.command === 'system.run'), 'the node never got a run');
});

test('an approval reused for a different argv or by another connection is refused; a stale policy is the node\'s refusal', async () => {
  // A manual (sequence B) approval held by the operator's own connection.
  const prep = await operator.call('node.invoke', { nodeId: node.id.deviceId, command: 'system.run.prepare', params: { command: ['echo', 'hi'], cwd: '/tmp', agentId: 'main', sessionKey: 'agent:main:main' } });
  const plan = prep.payload.plan;
  const asker = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.approvals', 'operator.write'], clientId: 'gateway-client', clientMode: 'backend' })).socket;
  const reqP = asker.request('exec.approval.request', { command: plan.commandText, systemRunPlan: plan, host: 'node', nodeId: node.id.deviceId, cwd: '/tmp', agentId: 'main', sessionKey: 'agent:main:main' });
  const askEv = await nextAsk();
  await approver.call('exec.approval.resolve', { id: askEv.payload.id, decision: 'allow-once' });
  assert.equal((await reqP).payload.decision, 'allow-once');
  const id = askEv.payload.id;
  const base = { command: plan.argv, rawCommand: plan.commandText, systemRunPlan: plan, cwd: '/tmp', agentId: 'main', sessionKey: 'agent:main:main', approved: true, approvalDecision: 'allow-once', runId: id };
  const other = await asker.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.run', params: { ...base, command: ['/usr/bin/echo', 'bye'] } });
  assert.equal(other.error?.details.code, 'APPROVAL_REQUEST_MISMATCH');
  const otherCwd = await asker.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.run', params: { ...base, cwd: '/etc' } });
  assert.equal(otherCwd.error?.details.code, 'APPROVAL_REQUEST_MISMATCH');
  const stranger = await operator.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.run', params: base });
  assert.equal(stranger.error?.details.code, 'APPROVAL_CLIENT_MISMATCH');
  // Still unspent after the refusals; the node refuses it now because its policy changed since the plan.
  node.policy.ask = 'always';
  const stale = await asker.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.run', params: base });
  assert.equal(stale.error?.code, 'UNAVAILABLE');
  assert.equal(stale.error?.message, 'SYSTEM_RUN_DENIED: SYSTEM_RUN_DENIED: exec approval policy changed; request approval again');
  assert.equal(stale.error?.details.nodeCommandDispatched, true);
  node.policy.ask = 'on-miss';
  asker.close();
});

test('allow for 30 minutes: a grant answers the same command itself until revoked; another cwd still asks', async () => {
  const first = run();
  const askEv = await nextAsk();
  const r = await h.gw.approvals.resolveApproval(askEv.payload.id, 'allow-for-30-minutes');
  assert.ok(r.grant);
  assert.equal(r.grant!.expiresAtMs - r.grant!.createdAtMs, 30 * 60_000);
  assert.deepEqual(r.grant!.argv, ['/usr/bin/echo', 'hi']);
  assert.equal((await first).payload.payload.stdout, 'hi\n');
  assert.equal(node.calls.at(-1)!.params.approvalDecision, 'allow-once', 'the node sees an allow-once');

  const asks = approver.frames.filter((f) => f.event === 'exec.approval.requested').length;
  const second = await run();
  assert.equal(second.ok, true, JSON.stringify(second.error));
  assert.equal(approver.frames.filter((f) => f.event === 'exec.approval.requested').length, asks, 'no prompt while the grant holds');
  const grants = await approver.call('loopgate.approvals.grants', {});
  assert.equal(grants.grants.length, 1);
  assert.equal(grants.grants[0].useCount, 1);

  const elsewhere = run(['echo', 'hi'], { cwd: '/var' });
  const ask2 = await nextAsk();
  await approver.call('exec.approval.resolve', { id: ask2.payload.id, decision: 'deny' });
  assert.equal((await elsewhere).error?.details.reason, 'user-denied');

  await approver.call('loopgate.approvals.grants.revoke', { grantId: r.grant!.grantId });
  const bad = await approver.request('loopgate.approvals.grants.revoke', { grantId: r.grant!.grantId });
  assert.equal(bad.error?.details.reason, 'GRANT_NOT_FOUND');
  const third = run();
  const ask3 = await nextAsk();
  await approver.call('exec.approval.resolve', { id: ask3.payload.id, decision: 'deny' });
  assert.equal((await third).error?.details.reason, 'user-denied');
});

test('an allowlisted command runs without a prompt; the requester leaving withdraws its prompt', async () => {
  node.policy.allowlistRules = [{ pattern: '/usr/bin/echo' }];
  const asks = approver.frames.filter((f) => f.event === 'exec.approval.requested').length;
  const plain = await run(['/usr/bin/echo', 'hi']);
  assert.equal(plain.ok, true, JSON.stringify(plain.error));
  assert.equal(approver.frames.filter((f) => f.event === 'exec.approval.requested').length, asks);
  node.policy.allowlistRules = [];

  const leaver = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.write'], clientId: 'cli', clientMode: 'cli' })).socket;
  leaver.send({ type: 'req', id: 'gone', method: 'node.invoke', params: { nodeId: node.id.deviceId, command: 'system.run', params: { command: ['echo', 'bye'] } } });
  const askEv = await nextAsk();
  leaver.close();
  const withdrawn = await approver.next((f) => f.event === 'exec.approval.resolved' && f.payload.id === askEv.payload.id);
  assert.equal(withdrawn.payload.decision, 'deny');
  assert.equal(h.gw.approvals.approvals().length, 0);
});

test('the node\'s approvals document goes through exec.approvals.node.* (admin), never node.invoke', async () => {
  const got = await approver.call('exec.approvals.node.get', { nodeId: node.id.deviceId });
  assert.deepEqual(got, { ok: true });
  assert.equal(node.calls.at(-1)!.command, 'system.execApprovals.get');
  await approver.call('exec.approvals.node.set', { nodeId: node.id.deviceId, file: { version: 1 }, baseHash: 'h1' });
  assert.deepEqual(node.calls.at(-1), { command: 'system.execApprovals.set', params: { file: { version: 1 }, baseHash: 'h1' } });
  assert.equal((await operator.request('exec.approvals.node.get', { nodeId: node.id.deviceId })).error?.message, 'missing scope: operator.admin');
  const direct = await approver.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.execApprovals.set', params: {} });
  assert.equal(direct.error?.message, 'node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*');
});
