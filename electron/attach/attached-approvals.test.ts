// Exec approvals and node command requests relayed in attach mode, over real sockets: Loopgate's own gateway
// plays the upstream (it speaks OpenClaw's exec.approval.* and node.pair.* shapes; the real OpenClaw gateway is
// exercised by the interop check and the Playwright attach test). A requester asks there; the window, the tray
// and notifications of the attached Loopgate see it and decide, and the requester gets that decision.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoopgateApprovalResolvedEvent, LoopgateApprovalView, NodePairPendingView } from '../../shared/exec-approval-types';
import { startGateway, type Gateway } from '../gateway/gateway';
import { connectDevice, type TestSocket } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { approvalRequester, askApproval, echoParams } from '../testing/exec-approval-client';
import { startFakeNode, type FakeNode } from '../testing/fake-node';
import { startAttached, type AttachedGateway } from './attached-gateway';

const FAST = { minMs: 20, maxMs: 200, unauthorizedMs: 100 };
let upHome: string;
let up: Gateway;
let upPort: number;
let att: AttachedGateway | undefined;
let requester: TestSocket;

async function attached(): Promise<AttachedGateway> {
  att = await startAttached({ home: await mkdtemp(join(tmpdir(), 'loopgate-attached-')), url: `ws://127.0.0.1:${upPort}`, secret: async () => ({ secret: up.gatewayToken(), kind: 'token' }), backoff: FAST, log: () => {} });
  await att.upstream.waitFor((s) => s.status === 'connected');
  return att;
}

async function windowSocket(gw: AttachedGateway): Promise<TestSocket> {
  const r = await connectDevice(gw.url, null, { token: gw.issueOwnerCredential(), scopes: ['operator.admin'], clientId: 'loopgate-ui', clientMode: 'ui' });
  assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
  return r.socket;
}

/** exec.approval.request on the upstream: the accepted frame (a route exists there), the decision later. */
function ask(over: Record<string, unknown>) {
  return askApproval(requester, echoParams({ timeoutMs: 60_000, ...over }));
}

before(async () => {
  upHome = await mkdtemp(join(tmpdir(), 'loopgate-upstream-'));
  up = await startGateway({ home: upHome, port: 0 });
  upPort = up.port;
  requester = await approvalRequester(up.url, up.gatewayToken());
});
afterEach(async () => {
  await att?.close();
  att = undefined;
});
after(async () => {
  requester.close();
  await up.close();
});

test('an exec approval asked there reaches the window, the tray and notifications; Allow once in the window answers the requester', async () => {
  const gw = await attached();
  const w = await windowSocket(gw);
  const heard: LoopgateApprovalView[] = [];
  gw.approvals.on('approvalRequested', (a) => heard.push(a));
  try {
    const { id, accepted: first, final } = await ask({ command: 'echo hi', commandArgv: ['echo', 'hi'] });
    // Loopgate is an approval client there, so that gateway has a route and waits instead of answering null.
    assert.equal(first.payload.status, 'accepted');
    assert.equal(first.payload.deliveryRoute, 'approval-client');
    const ev = await w.next((f) => f.event === 'loopgate.approval.requested' && f.payload.id === id);
    const view = ev.payload as LoopgateApprovalView;
    assert.equal(view.commandText, 'echo hi');
    assert.deepEqual(view.argv, ['echo', 'hi']);
    assert.equal(view.requester.kind, 'upstream');
    assert.equal(view.requester.label, `OpenClaw gateway at 127.0.0.1:${upPort}`);
    assert.equal(view.agentId, 'main');
    assert.ok(!view.allowedDecisions.includes('allow-for-30-minutes'), 'no Loopgate grant for another gateway\'s runs');
    assert.deepEqual(view.allowedDecisions, ['allow-once', 'allow-always', 'deny']);
    await eventually(() => heard.some((a) => a.id === id), 'the tray and notifications to hear of it');
    assert.deepEqual((await w.call('loopgate.approvals.list')).approvals.map((a: { id: string }) => a.id), [id]);

    const res = await w.call('loopgate.approvals.resolve', { id, decision: 'allow-once' });
    assert.equal(res.ok, true);
    assert.equal(res.approval.status, 'allowed');
    assert.equal((await final).payload.decision, 'allow-once');
    const resolved = await w.next((f) => f.event === 'loopgate.approval.resolved' && f.payload.id === id);
    assert.equal(resolved.payload.decision, 'allow-once');
    assert.equal(gw.approvals.approvals().length, 0);
    const audit = (await w.call('loopgate.audit.list', {})).entries.filter((e: { kind?: string }) => e.kind === 'exec-approval');
    assert.deepEqual(audit.slice(0, 2).map((e: { decision: string }) => e.decision), ['approved', 'requested']);
    assert.equal(audit[0].exec.approvalId, id);
  } finally {
    w.close();
  }
});

test('Deny from the tray denies there; an answer given in that gateway\'s own clients withdraws the prompt here', async () => {
  const gw = await attached();
  const denied = await ask({ command: 'rm -rf /tmp/x', commandArgv: ['rm', '-rf', '/tmp/x'] });
  await eventually(() => gw.approvals.approvals().some((a) => a.id === denied.id), 'the request to be mirrored');
  const res = await gw.approvals.resolveApproval(denied.id, 'deny');
  assert.equal(res.approval.status, 'denied');
  assert.equal((await denied.final).payload.decision, 'deny');

  const withdrawn: LoopgateApprovalResolvedEvent[] = [];
  gw.approvals.on('approvalResolved', (e) => withdrawn.push(e));
  const other = await ask({ command: 'ls', commandArgv: ['ls'] });
  await eventually(() => gw.approvals.approvals().some((a) => a.id === other.id), 'the second request to be mirrored');
  const cli = (await connectDevice(up.url, null, { token: up.gatewayToken(), scopes: ['operator.admin'], clientId: 'cli', clientMode: 'cli', displayName: 'openclaw cli' })).socket;
  try {
    await cli.call('exec.approval.resolve', { id: other.id, decision: 'allow-once' });
  } finally {
    cli.close();
  }
  await eventually(() => withdrawn.some((e) => e.id === other.id), 'the prompt to be withdrawn');
  const ev = withdrawn.find((e) => e.id === other.id)!;
  assert.equal(ev.decision, 'allow-once');
  assert.equal(ev.resolvedBy, 'openclaw cli');
  assert.equal(gw.approvals.approvals().length, 0);
});

test('requests already waiting when Loopgate attaches are listed; one that times out there leaves as expired', async () => {
  // Attached first so that gateway has a route; then a short request waits, Loopgate detaches and comes back.
  const first = await attached();
  const waiting = await ask({ command: 'make deploy', commandArgv: ['make', 'deploy'] });
  const short = await ask({ command: 'sleep 1', commandArgv: ['sleep', '1'], timeoutMs: 1500 });
  await first.close();
  att = undefined;
  const gw = await attached();
  const expired: LoopgateApprovalResolvedEvent[] = [];
  gw.approvals.on('approvalResolved', (e) => expired.push(e));
  await eventually(() => [waiting.id, short.id].every((id) => gw.approvals.approvals().some((a) => a.id === id)), 'both waiting requests to be listed on attach');
  assert.equal((await short.final).payload.decision, null);
  await eventually(() => expired.some((e) => e.id === short.id), 'the timed-out request to leave');
  assert.deepEqual(expired.map((e) => [e.id, e.status, e.terminalReason]), [[short.id, 'expired', 'timeout']]);
  assert.deepEqual(gw.approvals.approvals().map((a) => a.id), [waiting.id]);
  await gw.approvals.resolveApproval(waiting.id, 'deny');
  assert.equal((await waiting.final).payload.decision, 'deny');
});

test('bad decisions get a clear error and change nothing there', async () => {
  const gw = await attached();
  const w = await windowSocket(gw);
  try {
    const { id, final } = await ask({ command: 'curl https://example.invalid', commandArgv: ['curl', 'https://example.invalid'], ask: 'always' });
    await w.next((f) => f.event === 'loopgate.approval.requested' && f.payload.id === id);
    const cases: Array<[unknown, RegExp]> = [
      ['allow-for-30-minutes', /Allow for 30 minutes is a grant Loopgate's own gateway keeps/],
      ['allow-always', /allow-always is not offered for this command by the OpenClaw gateway/],
      ['yes', /^invalid decision$/],
      [null, /^invalid decision$/],
      [{ decision: 'allow-once' }, /^invalid decision$/],
    ];
    for (const [decision, message] of cases) {
      const r = await w.request('loopgate.approvals.resolve', { id, decision });
      assert.equal(r.ok, false, JSON.stringify(decision));
      assert.match(r.error!.message, message);
    }
    const unknown = await w.request('loopgate.approvals.resolve', { id: 'no-such-approval', decision: 'deny' });
    assert.match(unknown.error!.message, /^the OpenClaw gateway says: unknown or expired approval id/);
    const grant = await w.request('loopgate.approvals.grants.revoke', { grantId: 'g' });
    assert.match(grant.error!.message, /cannot hold it/);
    assert.deepEqual((await w.call('loopgate.approvals.grants')).grants, []);
    // Nothing was lost: the request still waits there and here, and a valid answer still goes through.
    assert.ok(gw.approvals.approvals().some((a) => a.id === id));
    assert.equal((await w.call('loopgate.approvals.resolve', { id, decision: 'allow-once' })).ok, true);
    assert.equal((await final).payload.decision, 'allow-once');
  } finally {
    w.close();
  }
});

test('a command with hidden characters is shown escaped; a detached Loopgate says so rather than guessing', async () => {
  const gw = await attached();
  const sneaky = 'echo safe\u202E\u200Bgnp.exe';
  const { id, final } = await ask({ command: sneaky, commandArgv: ['echo', 'safe\u202E\u200Bgnp.exe'] });
  await eventually(() => gw.approvals.approvals().some((a) => a.id === id), 'the request to be mirrored');
  const view = gw.approvals.approvals().find((a) => a.id === id)!;
  assert.equal(view.commandText, 'echo safe\\u{202E}\\u{200B}gnp.exe');
  // That gateway goes away: deciding now is a clear error, not a silent drop; the prompt stays for later.
  await gw.upstream.close();
  await assert.rejects(gw.approvals.resolveApproval(id, 'deny'), /is not connected/);
  assert.ok(gw.approvals.approvals().some((a) => a.id === id));
  const cli = (await connectDevice(up.url, null, { token: up.gatewayToken(), scopes: ['operator.admin'] })).socket;
  await cli.call('exec.approval.resolve', { id, decision: 'deny' });
  cli.close();
  assert.equal((await final).payload.decision, 'deny');
});

test('a node\'s declared commands waiting there show in the window; Approve there lets them through', async () => {
  const gw = await attached();
  const w = await windowSocket(gw);
  const heard: NodePairPendingView[] = [];
  gw.approvals.on('nodeCommandsRequested', (r) => heard.push(r));
  let node: FakeNode | undefined;
  try {
    node = await startFakeNode(up.url, up.gatewayToken(), { displayName: 'build box' });
    const ev = await w.next((f) => f.event === 'node.pair.requested' && f.payload.nodeId === node!.id.deviceId);
    assert.ok(ev.payload.commands.includes('system.run'));
    assert.equal(ev.payload.displayName, 'build box');
    await eventually(() => heard.some((r) => r.nodeId === node!.id.deviceId), 'the tray and notifications to hear of it');
    const list = await w.call('node.pair.list');
    const req = list.pending.find((r: NodePairPendingView) => r.nodeId === node!.id.deviceId);
    assert.ok(req);
    await w.call('node.pair.approve', { requestId: req.requestId });
    await w.next((f) => f.event === 'node.pair.resolved' && f.payload.requestId === req.requestId);
    assert.equal(gw.approvals.nodeCommandRequests().length, 0);
    const admin = (await connectDevice(up.url, null, { token: up.gatewayToken(), scopes: ['operator.admin'] })).socket;
    const there = await admin.call('node.pair.list');
    admin.close();
    assert.ok(there.paired.some((n: { nodeId: string }) => n.nodeId === node!.id.deviceId), JSON.stringify(there));
    const unknown = await w.request('node.pair.reject', { requestId: 'nope' });
    assert.match(unknown.error!.message, /^the OpenClaw gateway says: /);
  } finally {
    node?.socket.close();
    w.close();
  }
});

test('that gateway restarting forgets its requests: the prompts here are withdrawn, not left to be answered', async () => {
  const gw = await attached();
  const { id } = await ask({ command: 'git push', commandArgv: ['git', 'push'] }); // its requester leaves with that gateway
  await eventually(() => gw.approvals.approvals().some((a) => a.id === id), 'the request to be mirrored');
  const withdrawn: LoopgateApprovalResolvedEvent[] = [];
  gw.approvals.on('approvalResolved', (e) => withdrawn.push(e));
  requester.close();
  await up.close();
  await gw.upstream.waitFor((s) => s.status === 'reconnecting');
  assert.ok(gw.approvals.approvals().some((a) => a.id === id), 'kept while that gateway is away: it may come back with it');
  up = await startGateway({ home: upHome, port: upPort });
  requester = await approvalRequester(up.url, up.gatewayToken());
  await gw.upstream.waitFor((s) => s.status === 'connected');
  await eventually(() => withdrawn.some((e) => e.id === id), 'the forgotten request to be withdrawn');
  assert.equal(withdrawn[0]!.status, 'cancelled');
  assert.equal(gw.approvals.approvals().length, 0);
});
