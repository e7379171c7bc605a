// The tray's exec approval entries against the real gateway: a real client asks over a socket, the menu's
// items answer through the gateway, and the requester's own socket gets the decision (only 'electron' is faked).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { fake, findMenuItem, FakeTray, type FakeMenuItem } from './fake-electron';
import type { TestSocket } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { approvalRequester, askApproval, echoParams } from '../testing/exec-approval-client';
import { NODE_COMMANDS, startFakeNode } from '../testing/fake-node';
import { startHarness, type Harness } from '../testing/gateway-harness';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { LoopgateTray } = await import('./tray');

type Item = FakeMenuItem;

let h: Harness;
let tray: InstanceType<typeof LoopgateTray>;
let fakeTray: FakeTray;
let openedApprovals: string[];
let agent: TestSocket;

beforeEach(async () => {
  h = await startHarness();
  h.gw.approvals.setApprovalRoute(true);
  openedApprovals = [];
  tray = new LoopgateTray({
    gateway: h.gw, openWindow: () => {}, quit: () => {}, iconsDir: '/icons', platform: 'darwin',
    approvals: h.gw.approvals, openApproval: (id) => openedApprovals.push(id),
    createTray: (image) => (fakeTray = new FakeTray(image)) as never,
  }).start();
  agent = await approvalRequester(h.url, h.token);
});
afterEach(async () => {
  agent.close();
  tray.destroy();
  await h.stop();
});

const menu = (): Item[] => (fakeTray.menu as unknown as { template: Item[] }).template;
const find = (id: string, items: Item[] = menu()): Item | undefined => findMenuItem(items, id);

test('a waiting command is listed with Deny and Allow once; the count is in the tooltip and the title; Allow once answers', async () => {
  const a = await askApproval(agent, echoParams({ command: 'ls -la', commandArgv: ['ls', '-la'] }));
  await eventually(() => find(`approval:${a.id}`) !== undefined, 'the tray entry');
  assert.equal(find(`approval:${a.id}`)!.label, 'Run ls -la');
  assert.equal(fakeTray.tooltip, 'Loopgate — 1 waiting for approval');
  assert.equal(fakeTray.title, '1');
  assert.ok(menu().some((i) => i.label === '1 command waits for approval'));
  find(`approval-allow-once:${a.id}`)!.click!();
  assert.equal((await a.final).payload.decision, 'allow-once');
  await eventually(() => find(`approval:${a.id}`) === undefined, 'the entry gone');
  assert.equal(fakeTray.tooltip, 'Loopgate');
  assert.equal(fakeTray.title, '');
});

test('Deny answers deny; Review opens the window on the request and decides nothing', async () => {
  const a = await askApproval(agent);
  await eventually(() => find(`approval:${a.id}`) !== undefined, 'the tray entry');
  find(`approval-review:${a.id}`)!.click!();
  assert.deepEqual(openedApprovals, [a.id]);
  assert.ok(h.gw.approvals.approvals().some((x) => x.id === a.id));
  find(`approval-deny:${a.id}`)!.click!();
  assert.equal((await a.final).payload.decision, 'deny');
});

test('a risky command has no Allow in the tray: a warning or a shell', async () => {
  for (const params of [echoParams({ warningText: 'Deletes a folder' }), echoParams({ command: 'bash -c "rm -rf build"', commandArgv: ['bash', '-c', 'rm -rf build'] })]) {
    const a = await askApproval(agent, params);
    await eventually(() => find(`approval:${a.id}`) !== undefined, 'the tray entry');
    assert.match(find(`approval:${a.id}`)!.label!, /^⚠ /);
    assert.equal(find(`approval-allow-once:${a.id}`), undefined, JSON.stringify(params));
    assert.ok(find(`approval-deny:${a.id}`));
    assert.ok(find(`approval-review:${a.id}`));
    await h.gw.approvals.resolveApproval(a.id, 'deny');
  }
});

test('answered elsewhere or timed out, the entry leaves the menu', async () => {
  const a = await askApproval(agent, echoParams({ timeoutMs: 150 }));
  await eventually(() => find(`approval:${a.id}`) !== undefined, 'the tray entry');
  assert.equal((await a.final).payload.decision, null);
  await eventually(() => find(`approval:${a.id}`) === undefined, 'the timed-out entry gone');
});

test('a node whose commands wait: one entry that opens the window on it, gone once decided', async () => {
  const node = await startFakeNode(h.url, h.token, { displayName: 'lab node' });
  await eventually(() => h.gw.approvals.nodeCommandRequests().length === 1, 'the node commands request');
  const { requestId } = h.gw.approvals.nodeCommandRequests()[0]!;
  await eventually(() => find(`node-commands:${requestId}`) !== undefined, 'the tray entry');
  const entry = find(`node-commands:${requestId}`)!;
  assert.equal(entry.label, `lab node (reported) asks to run ${NODE_COMMANDS.length} commands: review…`);
  assert.equal(entry.submenu, undefined, 'no approve in the tray');
  assert.equal(fakeTray.tooltip, 'Loopgate — 1 waiting for approval');
  entry.click!();
  assert.deepEqual(openedApprovals, [requestId]);
  await h.gw.approvals.rejectNodeCommands(requestId);
  await eventually(() => find(`node-commands:${requestId}`) === undefined, 'the entry gone');
  node.socket.close();
});
