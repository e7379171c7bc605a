// Exec approvals over real sockets: request → event to an approver → resolve → the requester's decision, for
// allow-once, allow-always, deny, timeout and no route; the system.run guard; replay refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice, type TestSocket } from '../testing/device-client';
import { startFakeNode, type FakeNode } from '../testing/fake-node';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { approveNodeCommands } from '../testing/node-commands';
import { connectApprover } from '../testing/approval-client';

let h: Harness;
let node: FakeNode;
let approver: TestSocket;
let requester: TestSocket;

function plan(argv = ['/usr/bin/echo', 'hi'], cwd = '/tmp') {
  return {
    argv, cwd, commandText: argv.join(' '), commandPreview: null, agentId: 'main', sessionKey: 'agent:main:main',
    policySnapshot: { security: 'allowlist', ask: 'on-miss', askFallback: 'deny', autoAllowSkills: false, allowlistRules: [] },
    mutableFileOperand: { argvIndex: 0, path: argv[0], sha256: 'a0' },
  };
}

function requestParams(extra: Record<string, unknown> = {}) {
  const p = plan();
  return {
    command: p.commandText, commandArgv: p.argv, systemRunPlan: p, cwd: '/tmp', nodeId: node.id.deviceId, host: 'node',
    security: 'allowlist', ask: 'on-miss', agentId: 'main', sessionKey: 'agent:main:main', timeoutMs: 120_000, twoPhase: true, ...extra,
  };
}

/** Sends exec.approval.request and returns the accepted frame and a promise of the final one. */
async function ask(sock: TestSocket, params: Record<string, unknown>) {
  const reqId = `ask-${Math.random().toString(36).slice(2)}`;
  sock.send({ type: 'req', id: reqId, method: 'exec.approval.request', params });
  const first = await sock.next((f) => f.type === 'res' && f.id === reqId);
  const final = first.payload?.status === 'accepted'
    ? sock.next((f) => f.type === 'res' && f.id === reqId && f !== first, 10_000)
    : Promise.resolve(first);
  return { first, final };
}

function runParams(id: string, extra: Record<string, unknown> = {}) {
  const p = plan();
  return {
    nodeId: node.id.deviceId, command: 'system.run',
    params: { command: p.argv, rawCommand: p.commandText, systemRunPlan: p, cwd: '/tmp', agentId: 'main', sessionKey: 'agent:main:main', approved: true, approvalDecision: 'allow-once', runId: id, ...extra },
  };
}

before(async () => {
  h = await startHarness();
  node = await startFakeNode(h.url, h.token);
  await approveNodeCommands(h.url, h.token, node.id.deviceId);
  approver = await connectApprover(h.url, h.token);
  requester = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.approvals', 'operator.write'], clientId: 'gateway-client', clientMode: 'backend', displayName: 'driver' })).socket;
});
after(async () => {
  for (const s of [approver, requester, node.socket]) s.close();
  await h.stop();
});

test('allow-once: accepted, the approver hears of it, resolves, the requester gets the decision; the run goes through once', async () => {
  const { first, final } = await ask(requester, requestParams());
  assert.equal(first.payload.status, 'accepted');
  assert.equal(first.payload.deliveryRoute, 'approval-client');
  const id = first.payload.id as string;
  assert.equal(first.payload.expiresAtMs - first.payload.createdAtMs, 120_000);
  const ev = await approver.next((f) => f.event === 'exec.approval.requested' && f.payload.id === id);
  assert.equal(ev.payload.approvalKind, 'exec');
  assert.equal(ev.payload.request.command, '/usr/bin/echo hi');
  assert.deepEqual(ev.payload.request.systemRunBinding.argv, ['/usr/bin/echo', 'hi']);
  assert.deepEqual(ev.payload.request.allowedDecisions, ['allow-once', 'allow-always', 'deny']);
  assert.equal(ev.payload.request.commandArgv, undefined, 'host=node drops commandArgv');
  assert.ok(!requester.frames.some((f) => f.event === 'exec.approval.requested'), 'the requester is not asked');

  const waiting = requester.request('exec.approval.waitDecision', { id });
  assert.deepEqual(await approver.call('exec.approval.resolve', { id: id.slice(0, 8), decision: 'allow-once' }), { ok: true });
  const resolved = await approver.next((f) => f.event === 'exec.approval.resolved' && f.payload.id === id);
  assert.equal(resolved.payload.decision, 'allow-once');
  assert.equal(resolved.payload.resolvedBy, 'listener');
  const done = await final;
  assert.equal(done.payload.decision, 'allow-once');
  assert.equal((await waiting).payload.terminalReason, 'user');

  const ran = await requester.request('node.invoke', runParams(id));
  assert.equal(ran.ok, true, JSON.stringify(ran.error));
  assert.equal(ran.payload.payload.stdout, 'hi\n');
  const sent = node.calls.at(-1)!;
  assert.equal(sent.command, 'system.run');
  assert.equal(sent.params.approved, true);
  assert.equal(sent.params.runId, id);
  assert.deepEqual(sent.params.systemRunPlan, plan());

  const calls = node.calls.length;
  const replay = await requester.request('node.invoke', runParams(id));
  assert.equal(replay.error?.code, 'INVALID_REQUEST');
  assert.equal(replay.error?.message, 'approval required');
  assert.equal(replay.error?.details.code, 'APPROVAL_REQUIRED');
  assert.equal(node.calls.length, calls, 'a replay never reaches the node');
});

test('allow-always: the decision reaches the requester and the node is told allow-always (the node records it)', async () => {
  const { first, final } = await ask(requester, requestParams());
  const id = first.payload.id as string;
  await approver.next((f) => f.event === 'exec.approval.requested' && f.payload.id === id);
  await approver.call('exec.approval.resolve', { id, decision: 'allow-always' });
  assert.equal((await final).payload.decision, 'allow-always');
  const ran = await requester.request('node.invoke', runParams(id, { approvalDecision: 'allow-always' }));
  assert.equal(ran.ok, true, JSON.stringify(ran.error));
  assert.equal(node.calls.at(-1)!.params.approvalDecision, 'allow-always');
  // Repeating the same decision is fine; a different one loses.
  assert.deepEqual(await approver.call('exec.approval.resolve', { id, decision: 'allow-always' }), { ok: true });
  const late = await approver.request('exec.approval.resolve', { id, decision: 'deny' });
  assert.equal(late.error?.message, 'approval already resolved');
  assert.equal(late.error?.details.reason, 'APPROVAL_ALREADY_RESOLVED');
});

test('deny: the requester gets deny and the approval cannot unlock a run', async () => {
  const { first, final } = await ask(requester, requestParams());
  const id = first.payload.id as string;
  await approver.next((f) => f.event === 'exec.approval.requested' && f.payload.id === id);
  await approver.call('exec.approval.resolve', { id, decision: 'deny' });
  assert.equal((await final).payload.decision, 'deny');
  const calls = node.calls.length;
  const ran = await requester.request('node.invoke', runParams(id));
  assert.equal(ran.error?.details.code, 'APPROVAL_REQUIRED');
  assert.equal(node.calls.length, calls);
});

test('timeout: null decision, a deny broadcast with resolvedBy null, waitDecision says timeout', async () => {
  const { first, final } = await ask(requester, requestParams({ timeoutMs: 150 }));
  const id = first.payload.id as string;
  const waiting = requester.request('exec.approval.waitDecision', { id });
  const resolved = await approver.next((f) => f.event === 'exec.approval.resolved' && f.payload.id === id);
  assert.equal(resolved.payload.decision, 'deny');
  assert.equal(resolved.payload.resolvedBy, null);
  assert.equal((await final).payload.decision, null);
  const w = await waiting;
  assert.equal(w.payload.decision, null);
  assert.equal(w.payload.terminalReason, 'timeout');
  const late = await approver.request('exec.approval.resolve', { id, decision: 'allow-once' });
  assert.equal(late.error?.details.reason, 'APPROVAL_ALREADY_RESOLVED');
});

test('no route: with no approval client, an immediate null and only one frame', async () => {
  const h2 = await startHarness();
  try {
    const n2 = await startFakeNode(h2.url, h2.token);
    // A listener without operator.admin sees nothing and so is no route (as the reference observed).
    const weak = (await connectDevice(h2.url, null, { token: h2.token, scopes: ['operator.approvals'], clientId: 'gateway-client', tamper: (p) => { p.caps = ['exec-approvals']; } })).socket;
    const req2 = (await connectDevice(h2.url, null, { token: h2.token, scopes: ['operator.approvals'] })).socket;
    const { first } = await ask(req2, { ...requestParams(), nodeId: n2.id.deviceId });
    assert.equal(first.ok, true);
    assert.equal(first.payload.decision, null);
    assert.equal(first.payload.status, undefined, 'no accepted frame');
    const w = await req2.call('exec.approval.waitDecision', { id: first.payload.id });
    assert.equal(w.terminalReason, 'no-route');
    assert.ok(!weak.frames.some((f) => f.event?.startsWith('exec.approval')));
    // The app's tray counts as a route while it runs.
    h2.gw.approvals.setApprovalRoute(true);
    const routed = await ask(req2, { ...requestParams(), nodeId: n2.id.deviceId });
    assert.equal(routed.first.payload.status, 'accepted');
    assert.equal(h2.gw.approvals.approvals().length, 1);
    await h2.gw.approvals.resolveApproval(routed.first.payload.id, 'deny');
    assert.equal((await routed.final).payload.decision, 'deny');
    for (const s of [weak, req2, n2.socket]) s.close();
  } finally {
    await h2.stop();
  }
});

test('get, list, approval.get and approval.resolve (what `openclaw approvals pending|resolve` call)', async () => {
  const { first, final } = await ask(requester, requestParams());
  const id = first.payload.id as string;
  const got = await approver.call('exec.approval.get', { id });
  assert.deepEqual(got, { id, commandText: '/usr/bin/echo hi', commandPreview: null, allowedDecisions: ['allow-once', 'allow-always', 'deny'], host: 'node', nodeId: node.id.deviceId, agentId: 'main', expiresAtMs: first.payload.expiresAtMs });
  const list = await approver.call('exec.approval.list', {});
  assert.ok(list.some((e: { id: string; approvalKind: string }) => e.id === id && e.approvalKind === 'exec'));
  assert.deepEqual(await approver.call('plugin.approval.list', {}), []);
  const durable = await approver.call('approval.get', { id });
  assert.equal(durable.approval.status, 'pending');
  assert.equal(durable.approval.urlPath, `/approve/${id}`);
  const r = await approver.call('approval.resolve', { id, kind: 'exec', decision: 'allow-once' });
  assert.equal(r.applied, true);
  assert.equal(r.approval.status, 'allowed');
  assert.equal(r.approval.decision, 'allow-once');
  assert.deepEqual(r.approval.resolver, { kind: 'runtime', id: 'gateway-client' });
  assert.equal((await final).payload.decision, 'allow-once');
  const again = await approver.call('approval.resolve', { id, kind: 'exec', decision: 'deny' });
  assert.equal(again.applied, false);
  assert.equal(again.approval.decision, 'allow-once');
  const gone = await approver.request('exec.approval.get', { id });
  assert.equal(gone.error?.details.reason, 'APPROVAL_NOT_FOUND');
  // The audit log has the request and the decision, with the requester.
  const audit = await approver.call('loopgate.audit.list', { limit: 50 });
  const mine = audit.entries.filter((e: { exec?: { approvalId: string } }) => e.exec?.approvalId === id);
  assert.deepEqual(mine.map((e: { decision: string }) => e.decision).sort(), ['approved', 'requested']);
  assert.ok(mine.every((e: { exec: { requester: string } }) => e.exec.requester === 'gateway token holder (gateway-client)'));
});
