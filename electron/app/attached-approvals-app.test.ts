// Attach mode on the desktop: an exec approval asked on the gateway Loopgate is attached to shows as a tray entry
// and a notification, and answering from either goes back to that gateway, where the requester gets it. Loopgate's
// own gateway plays the upstream over real sockets; only 'electron' is faked.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { fake, FakeNotification, FakeTray, findMenuItem, type FakeMenuItem } from './fake-electron';
import { startAttached, type AttachedGateway } from '../attach/attached-gateway';
import { startGateway, type Gateway } from '../gateway/gateway';
import type { TestSocket } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { approvalRequester, askApproval, echoParams } from '../testing/exec-approval-client';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { LoopgateTray } = await import('./tray');
const { ApprovalNotifier } = await import('./approval-notifications');

let up: Gateway;
let gw: AttachedGateway;
let agent: TestSocket;
let fakeTray: FakeTray;
let tray: InstanceType<typeof LoopgateTray>;
let notifier: InstanceType<typeof ApprovalNotifier>;

beforeEach(async () => {
  up = await startGateway({ home: await mkdtemp(join(tmpdir(), 'loopgate-upstream-')), port: 0 });
  gw = await startAttached({
    home: await mkdtemp(join(tmpdir(), 'loopgate-attached-')), url: up.url, secret: async () => ({ secret: up.gatewayToken(), kind: 'token' }),
    backoff: { minMs: 20, maxMs: 200, unauthorizedMs: 100 }, log: () => {},
  });
  await gw.upstream.waitFor((s) => s.status === 'connected');
  FakeNotification.instances = [];
  FakeNotification.supported = true;
  tray = new LoopgateTray({
    gateway: gw, openWindow: () => {}, quit: () => {}, iconsDir: '/icons', platform: 'darwin',
    approvals: gw.approvals, openApproval: () => {}, createTray: (image) => (fakeTray = new FakeTray(image)) as never,
  }).start();
  notifier = new ApprovalNotifier({ approvals: gw.approvals, openApproval: () => {}, platform: 'darwin', settings: () => ({ enabled: true, sound: false }), log: () => {} }).start();
  agent = await approvalRequester(up.url, up.gatewayToken());
});
afterEach(async () => {
  agent.close();
  notifier.dispose();
  tray.destroy();
  await gw.close();
  await up.close();
});

const find = (id: string): FakeMenuItem | undefined => findMenuItem((fakeTray.menu as unknown as { template: FakeMenuItem[] }).template, id);

test('the tray lists a command waiting on the attached gateway; Allow once there answers the requester', async () => {
  const a = await askApproval(agent, echoParams({ command: 'ls -la', commandArgv: ['ls', '-la'] }));
  await eventually(() => find(`approval:${a.id}`) !== undefined, 'the tray entry');
  assert.equal(find(`approval:${a.id}`)!.label, 'Run ls -la');
  assert.equal(fakeTray.tooltip, 'Loopgate — 1 waiting for approval');
  find(`approval-allow-once:${a.id}`)!.click!();
  assert.equal((await a.final).payload.decision, 'allow-once');
  await eventually(() => find(`approval:${a.id}`) === undefined, 'the entry gone');
});

test('a notification for it says who asked; Deny there denies on that gateway and withdraws the notification', async () => {
  const a = await askApproval(agent);
  await eventually(() => FakeNotification.instances.some((n) => n.shown && !n.closed), 'the notification');
  const n = FakeNotification.instances.find((x) => x.shown && !x.closed)!;
  assert.match(n.options.body!, new RegExp(`Asked by: OpenClaw gateway at 127\\.0\\.0\\.1:${up.port} for agent main`));
  n.pressAction(0);
  assert.equal((await a.final).payload.decision, 'deny');
  await eventually(() => n.closed, 'the answered notification withdrawn');
});
