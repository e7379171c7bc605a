// Exec approval notifications against the real gateway: a real client asks over a socket, the notification's
// actions answer through the gateway, and the requester's own socket gets the decision (only 'electron' is faked).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { fake, FakeNotification } from './fake-electron';
import { connectDevice, type TestSocket } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { approvalRequester, askApproval, echoParams } from '../testing/exec-approval-client';
import { NODE_COMMANDS, startFakeNode } from '../testing/fake-node';
import { startHarness, type Harness } from '../testing/gateway-harness';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { ApprovalNotifier } = await import('./approval-notifications');

let h: Harness;
let notifier: InstanceType<typeof ApprovalNotifier>;
let opened: string[];
let logs: string[];
let settings: { enabled: boolean; sound: boolean };
let agent: TestSocket;

function startNotifier(platform: NodeJS.Platform = 'darwin', maxLive?: number): void {
  notifier?.dispose();
  notifier = new ApprovalNotifier({
    approvals: h.gw.approvals, openApproval: (id) => opened.push(id), platform, settings: () => settings, log: (l) => logs.push(l),
    ...(maxLive ? { maxLive } : {}),
  }).start();
}

beforeEach(async () => {
  h = await startHarness();
  // As in the app: the tray and notifications are a route, so requests wait for the user.
  h.gw.approvals.setApprovalRoute(true);
  FakeNotification.instances = [];
  FakeNotification.supported = true;
  opened = [];
  logs = [];
  settings = { enabled: true, sound: true };
  startNotifier();
  agent = await approvalRequester(h.url, h.token);
});
afterEach(async () => {
  agent.close();
  notifier.dispose();
  await h.stop();
});

const live = () => FakeNotification.instances.filter((n) => n.shown && !n.closed);
const only = async (): Promise<FakeNotification> => {
  await eventually(() => live().length === 1, 'one notification');
  return live()[0]!;
};

describe('what a notification offers', () => {
  test('a plain command: what, where and who asked; Deny and Allow once; Allow once answers the requester', async () => {
    const a = await askApproval(agent, echoParams({ command: 'ls -la', commandArgv: ['ls', '-la'], cwd: '/srv/data' }));
    const n = await only();
    assert.equal(n.options.title, 'Loopgate: allow a command on this machine?');
    const body = n.options.body!.split('\n');
    assert.equal(body[0], 'ls -la');
    assert.equal(body[1], 'In: /srv/data');
    assert.match(body[2]!, /^Asked by: .+ for agent main$/);
    assert.deepEqual(n.options.actions, [{ type: 'button', text: 'Deny' }, { type: 'button', text: 'Allow once' }]);
    assert.equal(n.options.silent, false);
    assert.deepEqual(notifier.shownApprovalIds(), [a.id]);
    n.pressAction(1);
    n.pressAction(1); // Windows can deliver one press twice: answered once
    assert.equal((await a.final).payload.decision, 'allow-once');
    await eventually(() => n.closed, 'the answered notification withdrawn');
    assert.deepEqual(opened, []);
  });

  test('Deny from the notification answers deny', async () => {
    const a = await askApproval(agent);
    (await only()).pressAction(0);
    assert.equal((await a.final).payload.decision, 'deny');
  });

  test('risky commands (a warning, a shell, an inline interpreter) offer only Review, which opens the window', async () => {
    const risky = [
      echoParams({ warningText: 'Deletes a folder' }),
      echoParams({ command: 'sh -c "curl x | sh"', commandArgv: ['sh', '-c', 'curl x | sh'] }),
      echoParams({ command: 'python3 -c "import os"', commandArgv: ['python3', '-c', 'import os'] }),
    ];
    for (const params of risky) {
      FakeNotification.instances = [];
      const a = await askApproval(agent, params);
      const n = await only();
      assert.deepEqual(n.options.actions, [{ type: 'button', text: 'Review' }], JSON.stringify(params));
      assert.match(n.options.body!, /Needs a careful look/);
      n.pressAction(0);
      assert.equal(opened.at(-1), a.id);
      // Nothing was decided: the request still waits.
      assert.ok(h.gw.approvals.approvals().some((x) => x.id === a.id));
      await h.gw.approvals.resolveApproval(a.id, 'deny');
      await eventually(() => n.closed, 'withdrawn');
    }
  });

  test('on Linux (no action buttons) a click opens the window on the request', async () => {
    startNotifier('linux');
    const a = await askApproval(agent);
    const n = await only();
    assert.deepEqual(n.options.actions, []);
    n.click();
    assert.deepEqual(opened, [a.id]);
    assert.ok(h.gw.approvals.approvals().some((x) => x.id === a.id), 'a click decides nothing');
  });

  test('turned off in the settings: no notification (the tray and window still list it)', async () => {
    settings = { enabled: false, sound: true };
    const a = await askApproval(agent);
    await eventually(() => h.gw.approvals.approvals().some((x) => x.id === a.id), 'the request waiting');
    assert.equal(FakeNotification.instances.length, 0);
  });
});

describe('withdrawal', () => {
  test('answered elsewhere (another client, the CLI): the notification is withdrawn', async () => {
    const a = await askApproval(agent);
    const n = await only();
    // The CLI: the gateway token with operator.admin (what `openclaw approvals resolve` connects with).
    const other = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin', 'operator.approvals'], noDevice: true, clientId: 'cli', clientMode: 'cli' })).socket;
    const res = await other.request('exec.approval.resolve', { id: a.id, decision: 'deny' });
    other.close();
    assert.equal(res.ok, true, JSON.stringify(res.error));
    await eventually(() => n.closed, 'the notification withdrawn');
    assert.deepEqual(notifier.shownApprovalIds(), []);
  });

  test('a request that times out is withdrawn', async () => {
    const a = await askApproval(agent, echoParams({ timeoutMs: 150 }));
    const n = await only();
    assert.equal((await a.final).payload.decision, null);
    await eventually(() => n.closed, 'the timed-out notification withdrawn');
  });

  test('an action on a request answered meanwhile opens the window instead', async () => {
    const a = await askApproval(agent);
    const n = await only();
    // The press loses a race with an answer from elsewhere: the notifier stops listening (so the withdrawal
    // does not reach it), the request is answered, then the user presses Allow once on the stale notification.
    notifier.dispose();
    await h.gw.approvals.resolveApproval(a.id, 'deny');
    n.pressAction(1);
    await eventually(() => opened.includes(a.id), 'the window opened on it');
    assert.match(logs.join('\n'), /allow-once from notification failed/);
  });
});

describe('coalescing', () => {
  test('beyond three, one summary counts the rest; it follows the count and goes when they are answered', async () => {
    startNotifier('darwin', 3);
    const asked = [];
    for (let i = 0; i < 5; i++) asked.push(await askApproval(agent, echoParams({ command: `echo ${i}`, commandArgv: ['echo', String(i)] })));
    await eventually(() => notifier.summaryCount() === 2, 'the summary of two');
    assert.equal(notifier.shownApprovalIds().length, 3);
    const summary = live().find((n) => n.options.title?.includes('more'))!;
    assert.equal(summary.options.title, 'Loopgate: 2 more commands waiting');
    summary.click();
    assert.equal(opened.at(-1), asked[3]!.id);
    await h.gw.approvals.resolveApproval(asked[3]!.id, 'deny');
    await eventually(() => notifier.summaryCount() === 1, 'the summary down to one');
    const updated = live().find((n) => n.options.title?.includes('more'))!;
    assert.equal(updated.options.title, 'Loopgate: 1 more command waiting');
    assert.equal(updated.options.silent, true, 'an updated count makes no sound');
    await h.gw.approvals.resolveApproval(asked[4]!.id, 'deny');
    await eventually(() => notifier.summaryCount() === 0 && !live().some((n) => n.options.title?.includes('more')), 'the summary gone');
  });
});

describe('node command requests', () => {
  test('a new node declaring commands: one notification naming them, Review only; approved in the window, it is withdrawn', async () => {
    const node = await startFakeNode(h.url, h.token, { displayName: 'lab node' });
    await eventually(() => notifier.shownNodeRequestIds().length === 1, 'the node commands notification');
    const n = live()[0]!;
    assert.equal(n.options.title, 'Loopgate: lab node (reported) wants to run commands for agents');
    assert.equal(n.options.body!.split('\n')[0], `Commands: ${[...NODE_COMMANDS].sort().join(', ')}`);
    assert.deepEqual(n.options.actions, [{ type: 'button', text: 'Review' }], 'what a node may run is never one click');
    const [requestId] = notifier.shownNodeRequestIds();
    n.pressAction(0);
    assert.deepEqual(opened, [requestId]);
    assert.equal(h.gw.approvals.nodeCommandRequests().length, 1, 'Review decides nothing');
    await h.gw.approvals.approveNodeCommands(requestId!);
    await eventually(() => n.closed, 'withdrawn once approved');
    node.socket.close();
  });
});
