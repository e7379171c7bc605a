// Notifications against the real gateway and real WebSocket devices (only 'electron' is faked).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { fake, FakeNotification } from './fake-electron';
import { createIdentity, type ConnectOptions, type DeviceIdentity } from '../testing/device-client';
import { attempt, eventually } from '../testing/eventually';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { Attributor } from '../attribution/attributor';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { RequestNotifier } = await import('./notifications');

let h: Harness;
let notifier: InstanceType<typeof RequestNotifier>;
let opened: Array<string | undefined>;
let logs: string[];
let settings: { enabled: boolean; sound: boolean };

function startNotifier(platform: NodeJS.Platform = 'darwin'): void {
  notifier?.dispose();
  notifier = new RequestNotifier({ gateway: h.gw, openWindow: (id) => opened.push(id), platform, settings: () => settings, log: (l) => logs.push(l) }).start();
}

beforeEach(async () => {
  // Where the OS cannot tell the program, requests read by the reported name (as before attribution).
  h = await startHarness({ pendingTtlMs: 60_000, denyCooldownMs: 0 }, undefined, new Attributor(null));
  await h.gw.setConfig('limits.pendingPerAddress', 50);
  FakeNotification.instances = [];
  FakeNotification.supported = true;
  opened = [];
  logs = [];
  settings = { enabled: true, sound: true };
  startNotifier();
});
afterEach(async () => {
  notifier.dispose();
  await h.stop();
});

const REMOTE = { Host: 'example.com' };

/** Connect once; returns the connect response (a refused one carries the requestId). */
const ask = (id: DeviceIdentity, opts: ConnectOptions) => attempt(h.url, id, { token: h.token, ...opts });


const live = () => FakeNotification.instances.filter((n) => n.shown && !n.closed);

describe('which requests notify', () => {
  test('a remote request shows exactly one notification: who, what, from where, fingerprint; Review only', async () => {
    const id = createIdentity();
    const res = await ask(id, { headers: REMOTE, scopes: ['operator.read'], displayName: 'build-agent' });
    const requestId = res.error!.details.requestId as string;
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    const n = FakeNotification.instances[0]!;
    assert.equal(n.shown, true);
    assert.equal(n.options.title, 'Loopgate: build-agent (reported) asks for role operator + operator.read');
    const body = n.options.body!;
    assert.match(body, /^Role: operator \(new device\)$/m);
    assert.match(body, /^Scopes: \+operator\.read \(holds none\)$/m);
    assert.match(body, /^From: REMOTE 127\.0\.0\.1$/m);
    assert.match(body, new RegExp(`^Fingerprint: ${h.gw.pending()[0]!.fingerprint}$`, 'm'));
    assert.deepEqual(n.options.actions, [{ type: 'button', text: 'Review' }], 'no one-click approve for a remote device');
    assert.equal(n.options.silent, false);
    // A retry of the same ask is the same request: still one notification.
    await ask(id, { headers: REMOTE, scopes: ['operator.read'], displayName: 'build-agent' });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(FakeNotification.instances.length, 1);
    assert.deepEqual(notifier.shownRequestIds(), [requestId]);
  });

  test('a silent local pairing shows none', async () => {
    const id = createIdentity();
    assert.equal((await ask(id, { scopes: ['operator.read'] })).ok, true);
    assert.equal((await ask(id, { scopes: ['operator.admin'] })).ok, true, 'local scope upgrade, also silent');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(FakeNotification.instances.length, 0);
  });

  test('a local role upgrade notifies, with Review only (role change)', async () => {
    const id = createIdentity();
    assert.equal((await ask(id, { scopes: ['operator.read'] })).ok, true);
    const res = await ask(id, { role: 'node', scopes: [], clientId: 'node-host', clientMode: 'node' });
    assert.equal(res.error!.details.reason, 'role-upgrade');
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    const n = FakeNotification.instances[0]!;
    assert.equal(n.options.title, 'Loopgate: node-host (reported) asks for role node');
    assert.deepEqual(n.options.actions, [{ type: 'button', text: 'Review' }]);
  });

  test('device-reported names are sanitized and truncated', async () => {
    await ask(createIdentity(), { headers: REMOTE, displayName: `<b>evil</b>\u202Eexe\u0007${'x'.repeat(100)}` });
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    const title = FakeNotification.instances[0]!.options.title!;
    for (const bad of ['<', '>', '\u202E', '\u0007']) assert.ok(!title.includes(bad), JSON.stringify(bad));
    assert.match(title, /^Loopgate: evil exe x+… \(reported\) asks for role operator$/);
  });

  test('nothing when notifications are unsupported or turned off (the tray still lists the request)', async () => {
    FakeNotification.supported = false;
    await ask(createIdentity(), { headers: REMOTE });
    FakeNotification.supported = true;
    settings = { enabled: false, sound: true };
    await ask(createIdentity(), { headers: REMOTE });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(FakeNotification.instances.length, 0);
    assert.equal(h.gw.pending().length, 2);
  });

  test('sound off → silent notifications', async () => {
    settings = { enabled: true, sound: false };
    await ask(createIdentity(), { headers: REMOTE });
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    assert.equal(FakeNotification.instances[0]!.options.silent, true);
  });
});

describe('buttons and clicks', () => {
  // A local, low-stakes request that still needs a person: a paired device asks for another scope while
  // silent approval is turned off in settings. (New devices and new roles always go to the window.)
  async function localExplicit(id = createIdentity(), scopes = ['operator.read', 'operator.write']) {
    await h.gw.setConfig('silentApproval.enabled', true);
    assert.equal((await ask(id, { scopes: ['operator.read'] })).ok, true);
    await h.gw.setConfig('silentApproval.enabled', false);
    const res = await ask(id, { scopes });
    assert.equal(res.ok, false);
    const requestId = res.error!.details.requestId as string;
    await eventually(() => notifier.shownRequestIds().includes(requestId), 'the notification');
    return { id, requestId, n: FakeNotification.instances.at(-1)! };
  }

  test('Approve / Deny buttons on macOS and Windows, none on Linux', async () => {
    const mac = await localExplicit();
    assert.deepEqual(mac.n.options.actions, [{ type: 'button', text: 'Approve' }, { type: 'button', text: 'Deny' }]);
    startNotifier('win32');
    const win = await localExplicit();
    assert.deepEqual(win.n.options.actions, [{ type: 'button', text: 'Approve' }, { type: 'button', text: 'Deny' }]);
    startNotifier('linux');
    const linux = await localExplicit();
    assert.deepEqual(linux.n.options.actions, []);
  });

  test('powerful scopes get Review only, even locally', async () => {
    for (const scope of ['operator.admin', 'operator.pairing', 'operator.approvals']) {
      const { n } = await localExplicit(createIdentity(), ['operator.read', scope]);
      assert.deepEqual(n.options.actions, [{ type: 'button', text: 'Review' }], scope);
    }
  });

  test('action 0 approves through the gateway: the device’s next connect succeeds, the notification is withdrawn', async () => {
    const { id, requestId, n } = await localExplicit();
    n.pressAction(0);
    n.pressAction(0); // a duplicate activation (Windows) is ignored
    await eventually(() => n.closed, 'the notification to close');
    assert.equal(h.gw.pending().length, 0);
    const again = await ask(id, { scopes: ['operator.read', 'operator.write'] });
    assert.equal(again.ok, true, JSON.stringify(again.error));
    assert.deepEqual(notifier.shownRequestIds(), []);
    assert.ok(!logs.some((l) => l.includes(requestId)), logs.join('\n'));
  });

  test('action 1 denies: the device keeps only what it had', async () => {
    const { id, n } = await localExplicit();
    n.pressAction(1);
    await eventually(() => n.closed, 'the notification to close');
    assert.deepEqual(h.gw.pairing.store.get(id.deviceId)!.scopes, ['operator.read']);
  });

  test('a new device, a new role or a metadata change gets Review only, even locally', async () => {
    await h.gw.setConfig('silentApproval.enabled', false);
    const fresh = await ask(createIdentity(), { scopes: ['operator.read'] });
    await eventually(() => notifier.shownRequestIds().includes(fresh.error!.details.requestId), 'the notification');
    assert.deepEqual(FakeNotification.instances.at(-1)!.options.actions, [{ type: 'button', text: 'Review' }]);
  });

  test('a body click opens the window on that request and decides nothing', async () => {
    const { requestId, n } = await localExplicit();
    n.click();
    assert.deepEqual(opened, [requestId]);
    assert.equal(h.gw.pending().length, 1);
    assert.equal(n.closed, false);
  });

  test('Review opens the window and never approves', async () => {
    const res = await ask(createIdentity(), { headers: REMOTE });
    const requestId = res.error!.details.requestId as string;
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    FakeNotification.instances[0]!.pressAction(0);
    assert.deepEqual(opened, [requestId]);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(h.gw.pending().length, 1);
  });

  test('an approve that lost the race (request superseded) is logged and opens the window', async () => {
    const { id, requestId, n } = await localExplicit();
    // The device asks for something else: the old request is superseded.
    await ask(id, { scopes: ['operator.write'] });
    await eventually(() => n.closed, 'the superseded notification to be withdrawn');
    n.pressAction(0); // the user was faster than the OS withdrawing it
    await eventually(() => opened.includes(requestId), 'the window to open');
    assert.match(logs.join('\n'), /approve from notification failed/);
  });
});

describe('withdrawal and coalescing', () => {
  test('a request resolved elsewhere (window, tray, CLI) closes its notification', async () => {
    const res = await ask(createIdentity(), { headers: REMOTE });
    const requestId = res.error!.details.requestId as string;
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    await h.gw.reject(requestId);
    await eventually(() => FakeNotification.instances[0]!.closed, 'the notification to close');
    assert.deepEqual(notifier.shownRequestIds(), []);
  });

  test('a superseded request withdraws its notification and the new ask gets its own', async () => {
    const id = createIdentity();
    await ask(id, { headers: REMOTE, scopes: ['operator.read'] });
    await eventually(() => FakeNotification.instances.length === 1, 'the first notification');
    await ask(id, { headers: REMOTE, scopes: ['operator.write'] });
    await eventually(() => FakeNotification.instances.length === 2, 'the second notification');
    assert.equal(FakeNotification.instances[0]!.closed, true);
    assert.equal(live().length, 1);
    assert.match(FakeNotification.instances[1]!.options.title!, /operator\.write/);
  });

  test('beyond 3 live notifications, one "N more requests" summary is shown and kept current', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await ask(createIdentity(), { headers: REMOTE, displayName: `agent-${i}` });
      ids.push(res.error!.details.requestId as string);
    }
    await eventually(() => notifier.summaryCount() === 3, 'the summary');
    assert.deepEqual(notifier.shownRequestIds(), ids.slice(0, 3));
    const titles = live().map((n) => n.options.title);
    assert.equal(titles.length, 4, 'three requests and one summary, never six');
    assert.equal(titles[3], 'Loopgate: 3 more requests');

    // One of the coalesced requests is resolved: the summary is replaced with the new count, quietly.
    await h.gw.reject(ids[4]!);
    await eventually(() => notifier.summaryCount() === 2, 'the summary update');
    const summaries = live().filter((n) => /more request/.test(n.options.title!));
    assert.equal(summaries.length, 1);
    assert.equal(summaries[0]!.options.title, 'Loopgate: 2 more requests');
    assert.equal(summaries[0]!.options.silent, true);
    summaries[0]!.click();
    assert.deepEqual(opened, [ids[3]]);

    await h.gw.reject(ids[3]!);
    await h.gw.reject(ids[5]!);
    await eventually(() => notifier.summaryCount() === 0, 'the summary to go');
    assert.equal(live().length, 3);
    for (const id of ids.slice(0, 3)) await h.gw.approve(id);
    await eventually(() => live().length === 0, 'every notification to close');
  });

  test('a failed notification is logged and frees its slot', async () => {
    const res = await ask(createIdentity(), { headers: REMOTE });
    const requestId = res.error!.details.requestId as string;
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    FakeNotification.instances[0]!.emit('failed', {}, 'Notifications are not allowed for this application');
    assert.deepEqual(notifier.shownRequestIds(), []);
    assert.match(logs.join('\n'), new RegExp(`${requestId} failed: Notifications are not allowed`));
    assert.equal(h.gw.pending().length, 1, 'the request itself is untouched');
  });

  test('dispose closes everything and stops listening', async () => {
    await ask(createIdentity(), { headers: REMOTE });
    await eventually(() => FakeNotification.instances.length === 1, 'the notification');
    notifier.dispose();
    assert.equal(FakeNotification.instances[0]!.closed, true);
    await ask(createIdentity(), { headers: REMOTE });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(FakeNotification.instances.length, 1);
  });
});
