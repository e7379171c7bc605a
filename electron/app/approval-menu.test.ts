// The tray's approval entries and the notification text, read as the user sees them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoopgateApprovalView } from '../../shared/exec-approval-types';
import { approvalMenuItems, MAX_TRAY_APPROVALS } from './approval-menu';
import { approvalBody, approvalNeedsReview, approvalTitle, approvalTrayLabel } from './approval-text';

type Item = { id?: string; label?: string; type?: string; enabled?: boolean; click?: () => void; submenu?: Item[] };

function view(over: Partial<LoopgateApprovalView> = {}): LoopgateApprovalView {
  return {
    id: 'ap-1', status: 'pending', via: 'node.invoke', commandText: '/usr/bin/echo hi', commandPreview: null, warningText: null,
    warningLines: [], risks: [], argv: ['/usr/bin/echo', 'hi'], cwd: '/tmp', host: 'node', nodeId: 'n'.repeat(64), nodeName: 'demo-node',
    agentId: 'main', sessionKey: 'agent:main:main',
    requester: { kind: 'token', label: 'gateway token holder (cli)', clientId: 'cli', clientMode: 'cli' },
    allowedDecisions: ['allow-once', 'allow-always', 'deny', 'allow-for-30-minutes'], createdAtMs: 1, expiresAtMs: 2, ...over,
  };
}

test('a plain command: Deny and Allow once in its submenu, with where it runs and who asked', () => {
  const calls: string[] = [];
  const items = approvalMenuItems([view()], { resolve: (id, d) => calls.push(`${d}:${id}`), open: (id) => calls.push(`open:${id}`) }) as Item[];
  assert.equal(items[1]!.label, '1 command waits for approval');
  const entry = items.find((i) => i.id === 'approval:ap-1')!;
  assert.equal(entry.label, 'Run /usr/bin/echo hi');
  const labels = entry.submenu!.map((i) => i.label ?? i.type);
  assert.deepEqual(labels, ['/usr/bin/echo hi', 'On: demo-node (reported) in /tmp', 'Asked by: gateway token holder (cli)', 'separator', 'Deny', 'Allow once', 'separator', 'Review in Loopgate…']);
  for (const i of entry.submenu!) i.click?.();
  assert.deepEqual(calls, ['deny:ap-1', 'allow-once:ap-1', 'open:ap-1']);
});

test('a risky command (warning, any gateway risk mark, hidden characters, no allow-once) has no Allow in the tray', () => {
  const risky = [
    view({ warningText: 'Deletes files' }),
    view({ warningLines: ['rm in a pipeline'] }),
    view({ risks: ['shell'], commandText: '/bin/sh -lc "uname -s"', commandPreview: 'uname -s' }),
    view({ risks: ['mutable-file-operand'] }),
    view({ risks: ['inline-eval'] }),
    view({ commandText: 'echo \u202eoff' }),
    view({ allowedDecisions: ['deny'] }),
  ];
  for (const a of risky) {
    assert.equal(approvalNeedsReview(a), true, JSON.stringify(a));
    const entry = (approvalMenuItems([a], { resolve() {}, open() {} }) as Item[]).find((i) => i.id === 'approval:ap-1')!;
    const ids = entry.submenu!.map((i) => i.id).filter(Boolean);
    assert.deepEqual(ids, ['approval-deny:ap-1', 'approval-review:ap-1']);
  }
  assert.match(approvalTrayLabel(view({ risks: ['shell'], commandPreview: 'uname -s' })), /^⚠ Run uname -s$/);
});

test('reported and hostile text is cleaned and bounded in menus and notifications', () => {
  const a = view({
    commandText: `rm -rf /\n${'x'.repeat(500)}`, cwd: '/tmp\u202e/evil', nodeName: 'node\nFrom: trusted',
    requester: { kind: 'device', label: 'device 1234 (cli)\u202e', clientId: 'cli', clientMode: 'cli' },
  });
  const body = approvalBody(a);
  assert.ok(!/[\u202e]/.test(body));
  assert.equal(body.split('\n').length, 4, 'command, folder, requester, review line');
  assert.match(body.split('\n')[0]!, /^rm -rf \/\\nx+…$/);
  assert.ok(body.split('\n')[0]!.length <= 181);
  assert.match(approvalTitle(a), /^Loopgate: allow a command on node From: trusted \(reported\)\?$/);
  const label = approvalTrayLabel(a);
  assert.ok(label.length <= 66, label);
});

test('beyond the cap, one entry opens the window on the next waiting command', () => {
  const list = Array.from({ length: MAX_TRAY_APPROVALS + 4 }, (_, i) => view({ id: `ap-${i}` }));
  const opened: string[] = [];
  const items = approvalMenuItems(list, { resolve() {}, open: (id) => opened.push(id) }) as Item[];
  assert.equal(items.filter((i) => i.id?.startsWith('approval:')).length, MAX_TRAY_APPROVALS);
  const more = items.at(-1)!;
  assert.equal(more.label, '4 more… Open Loopgate');
  more.click!();
  assert.deepEqual(opened, [`ap-${MAX_TRAY_APPROVALS}`]);
  assert.deepEqual(approvalMenuItems([], { resolve() {}, open() {} }), []);
});
