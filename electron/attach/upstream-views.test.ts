// OpenClaw's exec approval shapes (as recorded from the published gateway) turned into Loopgate's views, and
// every class of malformed or hostile input: dropped when unusable, cleaned when shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXEC_APPROVAL_DISPLAY_LIMIT } from '../../shared/exec-approval-types';
import { approvalResolvedEvent, approvalView, nodePendingView, upstreamRequester } from './upstream-views';

const who = upstreamRequester('ws://127.0.0.1:18789');

/** An agent-originated request, shaped as OpenClaw 2026.9.6 broadcasts it (host=node, ask on-miss). */
function recorded(extra: Record<string, unknown> = {}) {
  const argv = ['/bin/sh', '-lc', 'uname -s'];
  return {
    approvalKind: 'exec', id: '88cf0c1e', createdAtMs: 1_000, expiresAtMs: 1_801_000,
    request: {
      command: '/bin/sh -lc "uname -s"',
      systemRunBinding: { argv, cwd: '/tmp', agentId: 'main', sessionKey: 'agent:main:main', envHash: null },
      systemRunPlan: { argv, cwd: '/tmp', commandText: '/bin/sh -lc "uname -s"', commandPreview: 'uname -s', agentId: 'main', sessionKey: 'agent:main:main' },
      cwd: '/tmp', nodeId: '6114abcd', host: 'node', security: 'full', ask: 'off', warningText: null,
      commandAnalysis: { commandCount: 1, nestedCommandCount: 0, riskKinds: [], warningLines: [] },
      allowedDecisions: ['allow-once', 'allow-always', 'deny'], agentId: 'main', sessionKey: 'agent:main:main', runId: '4e1f', toolCallId: 'call_1',
      ...extra,
    },
  };
}

test('a recorded OpenClaw request: the bound argv, the node by name, the shell flagged, OpenClaw\'s decisions', () => {
  const v = approvalView(recorded(), who, (id) => (id === '6114abcd' ? 'demo-node' : undefined))!;
  assert.equal(v.id, '88cf0c1e');
  assert.equal(v.commandText, '/bin/sh -lc "uname -s"');
  assert.equal(v.commandPreview, 'uname -s');
  assert.deepEqual(v.argv, ['/bin/sh', '-lc', 'uname -s']);
  assert.equal(v.nodeName, 'demo-node');
  assert.deepEqual([v.cwd, v.host, v.agentId, v.sessionKey], ['/tmp', 'node', 'main', 'agent:main:main']);
  assert.ok(v.risks.includes('shell'), 'a shell with -c runs text the prompt cannot fully show');
  assert.deepEqual(v.allowedDecisions, ['allow-once', 'allow-always', 'deny']);
  assert.equal(v.requester.label, 'OpenClaw gateway at 127.0.0.1:18789');
  assert.equal(v.expiresAtMs, 1_801_000);
});

test('ask=always: only what OpenClaw allows is offered; unknown decisions are dropped, never invented', () => {
  const v = approvalView(recorded({ allowedDecisions: ['allow-once', 'deny', 'allow-for-30-minutes', 'yolo', 7] }), who)!;
  assert.deepEqual(v.allowedDecisions, ['allow-once', 'deny']);
  const none = approvalView(recorded({ allowedDecisions: 'all' }), who)!;
  assert.deepEqual(none.allowedDecisions, ['allow-once', 'deny'], 'no list: the two every request allows');
});

test('unusable rows are dropped: no id, no request, another approval kind, nothing to show', () => {
  for (const raw of [
    { ...recorded(), id: undefined }, { ...recorded(), id: 7 }, { ...recorded(), request: null }, { ...recorded(), request: 'echo' },
    { ...recorded(), approvalKind: 'plugin' }, recorded({ command: '   ', systemRunBinding: null, commandArgv: undefined }),
    recorded({ command: undefined, systemRunBinding: null }),
  ]) {
    const r = raw as Record<string, unknown>;
    const plan = (r.request as Record<string, unknown> | null)?.systemRunPlan;
    if (plan) (plan as Record<string, unknown>).argv = 'not-a-list';
    assert.equal(approvalView(r, who), null, JSON.stringify(raw).slice(0, 120));
  }
});

test('hostile text is shown escaped; a text past the display limit is cut and marked, never silently', () => {
  const hidden = approvalView(recorded({ command: 'echo ok\u202E\u0007', commandSpans: [{ startIndex: 0, endIndex: 4 }], warningText: 'careful\u200B' }), who)!;
  assert.equal(hidden.commandText, 'echo ok\\u{202E}\\u{7}');
  assert.equal(hidden.commandSpans, undefined, 'spans index the raw text: dropped once it was escaped');
  assert.equal(hidden.warningText, 'careful\\u{200B}');
  assert.ok(hidden.risks.includes('warning'));
  const long = 'x'.repeat(EXEC_APPROVAL_DISPLAY_LIMIT * 5);
  const cut = approvalView(recorded({ command: long, systemRunBinding: null, commandArgv: ['x'] }), who)!;
  assert.ok(cut.commandText.endsWith('…[truncated]'));
  assert.ok(cut.commandText.length <= EXEC_APPROVAL_DISPLAY_LIMIT + 20);
  assert.ok(cut.risks.includes('other'));
  assert.ok(cut.warningLines.some((l) => l.includes(`${long.length} characters`)));
  const odd = approvalView(recorded({ agentId: { x: 1 }, cwd: 42, nodeId: ['n'], sessionKey: 'a\u0000b' }), who)!;
  assert.equal(odd.agentId, null);
  assert.equal(odd.nodeId, null);
  assert.equal(odd.cwd, '/tmp', 'the bound cwd when the request\'s own is not text');
});

test('resolved events: a deny from nobody at the expiry is a timeout; a decision names who gave it', () => {
  const known = approvalView(recorded(), who)!;
  assert.deepEqual(approvalResolvedEvent({ id: known.id, decision: 'deny', resolvedBy: null, ts: known.expiresAtMs }, known),
    { id: known.id, status: 'expired', decision: null, terminalReason: 'timeout', resolvedBy: null, ts: known.expiresAtMs });
  const allowed = approvalResolvedEvent({ id: known.id, decision: 'allow-always', resolvedBy: 'openclaw-macos', ts: 5 }, known)!;
  assert.deepEqual([allowed.status, allowed.decision, allowed.resolvedBy, allowed.terminalReason], ['allowed', 'allow-always', 'openclaw-macos', 'user']);
  const denied = approvalResolvedEvent({ id: known.id, decision: 'deny', resolvedBy: 'phone', ts: 5 }, known)!;
  assert.equal(denied.status, 'denied');
  const odd = approvalResolvedEvent({ id: known.id, decision: 'maybe', resolvedBy: 'x', ts: 5 }, known)!;
  assert.deepEqual([odd.status, odd.decision], ['denied', null], 'an unknown decision counts as not allowed');
  assert.equal(approvalResolvedEvent({ decision: 'deny' }, undefined), null);
});

test('node requests: what the node had approved before makes a widening; reported names cleaned', () => {
  const paired = new Map([['n1', { nodeId: 'n1', commands: ['system.run'], caps: ['system'] }]]);
  const wide = nodePendingView({ requestId: 'r1', nodeId: 'n1', commands: ['system.run', 'camera.snap'], caps: ['system', 'camera'], displayName: 'box\u0007', ts: 9 }, paired)!;
  assert.equal(wide.isWidening, true);
  assert.deepEqual(wide.approvedCommands, ['system.run']);
  assert.ok(!wide.displayName?.includes('\u0007'));
  const fresh = nodePendingView({ requestId: 'r2', nodeId: 'n2', commands: 'all', remoteIp: '10.0.0.5' }, paired)!;
  assert.deepEqual([fresh.isWidening, fresh.commands, fresh.locality], [false, [], 'remote']);
  assert.equal(nodePendingView({ nodeId: 'n3' }, paired), null);
});
