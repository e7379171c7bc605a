// The tray against the real gateway and real WebSocket devices (only 'electron' is faked; the Tray
// itself is injected through createTray, Signal style).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { fake, findMenuItem, FakeTray, type FakeMenuItem } from './fake-electron';
import { createIdentity, type ConnectOptions, type DeviceIdentity } from '../testing/device-client';
import { attempt, eventually } from '../testing/eventually';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { Attributor } from '../attribution/attributor';
// Loaded before mock.module: afterwards bare 'ws' would resolve to its CJS entry (see main.test.ts).
import { startAttached } from '../attach/attached-gateway';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { LoopgateTray, MAX_TRAY_REQUESTS } = await import('./tray');

type Item = FakeMenuItem;

let h: Harness;
let tray: InstanceType<typeof LoopgateTray>;
let fakeTray: FakeTray;
let opened: Array<string | undefined>;
let quits: number;

let n10n: { enabled: boolean; sound: boolean };

function startTray(platform: NodeJS.Platform = 'linux'): void {
  tray?.destroy();
  tray = new LoopgateTray({
    gateway: h.gw, openWindow: (id) => opened.push(id), quit: () => quits++, iconsDir: '/icons', platform,
    notifications: { get: () => n10n, set: (v) => { n10n = v; } },
    createTray: (image) => (fakeTray = new FakeTray(image)) as never,
  }).start();
}

beforeEach(async () => {
  // Where the OS cannot tell the program, requests read by the reported name (as before attribution).
  h = await startHarness({ pendingTtlMs: 60_000, denyCooldownMs: 0 }, undefined, new Attributor(null));
  await h.gw.setConfig('limits.pendingPerAddress', 50);
  await h.gw.setConfig('limits.pendingMax', 50);
  opened = [];
  quits = 0;
  n10n = { enabled: true, sound: true };
  startTray();
});
afterEach(async () => {
  tray.destroy();
  await h.stop();
});

const menu = (): Item[] => (fakeTray.menu as unknown as { template: Item[] }).template;
const find = (id: string, items: Item[] = menu()): Item | undefined => findMenuItem(items, id);

const ask = (id: DeviceIdentity, opts: ConnectOptions) => attempt(h.url, id, { token: h.token, ...opts });

test('always has a context menu: Open, Pause pairing, Quit', () => {
  assert.ok(fakeTray.menu, 'menu attached at start');
  assert.equal(menu()[0]!.label, 'Loopgate — no pending requests');
  assert.equal(find('open')!.label, 'Open Loopgate');
  assert.equal(find('pause')!.type, 'checkbox');
  assert.equal(find('pause')!.checked, false);
  assert.equal(find('quit')!.label, 'Quit Loopgate');
  assert.equal(fakeTray.tooltip, 'Loopgate');
  find('open')!.click!();
  assert.deepEqual(opened, [undefined]);
  find('quit')!.click!();
  assert.equal(quits, 1);
});

test('lists pending requests with the count, and re-attaches the menu when they change', async () => {
  const before = fakeTray.menusSet;
  const a = await ask(createIdentity(), { headers: { Host: 'example.com' }, displayName: 'build-agent', scopes: ['operator.read'] });
  const local = createIdentity();
  await ask(local, { scopes: ['operator.read'] });
  const b = await ask(local, { role: 'node', scopes: [], displayName: 'gpu-box', clientMode: 'node' });
  await eventually(() => h.gw.pending().length === 2 && fakeTray.tooltip === 'Loopgate — 2 pending', 'two pending');
  assert.ok(fakeTray.menusSet > before, 'setContextMenu called again (Linux needs it)');
  assert.equal(menu()[0]!.label, 'Loopgate — 2 pending');
  const ra = find(`request:${a.error!.details.requestId}`)!;
  assert.equal(ra.label, 'build-agent (reported) asks for role operator + operator.read — remote');
  // A remote first pairing is decided in the window: no one-click Approve in the menu.
  assert.deepEqual(ra.submenu!.filter((i) => i.label).map((i) => i.label!.split(':')[0]), ['From', 'Fingerprint', 'Deny', 'Review in Loopgate…']);
  const rb = find(`request:${b.error!.details.requestId}`)!;
  assert.equal(rb.label, 'gpu-box (reported) asks for role node');
  // The icon switches to the attention variant.
  assert.match((fakeTray.image as { path: string }).path, /trayPending\.png$/);
});

/** A low-stakes request that still needs a person: a paired local device asks for one more scope, silent approval off. */
async function lowRisk(id = createIdentity()): Promise<string> {
  assert.equal((await ask(id, { scopes: ['operator.read'] })).ok, true);
  await h.gw.setConfig('silentApproval.enabled', false);
  const res = await ask(id, { scopes: ['operator.read', 'operator.write'] });
  await h.gw.setConfig('silentApproval.enabled', true);
  return res.error!.details.requestId as string;
}

test('Approve in the menu approves through the gateway; the device then connects', async () => {
  const id = createIdentity();
  const requestId = await lowRisk(id);
  await eventually(() => !!find(`approve:${requestId}`), 'the menu item');
  find(`approve:${requestId}`)!.click!();
  await eventually(() => h.gw.pending().length === 0, 'the approval');
  await eventually(() => !find(`request:${requestId}`), 'the menu to drop the request');
  assert.equal(fakeTray.tooltip, 'Loopgate');
  const again = await ask(id, { scopes: ['operator.read', 'operator.write'] });
  assert.equal(again.ok, true, JSON.stringify(again.error));
});

test('Deny in the menu rejects; Review opens the window on the request', async () => {
  const id = createIdentity();
  const res = await ask(id, { headers: { Host: 'example.com' } });
  const requestId = res.error!.details.requestId as string;
  await eventually(() => !!find(`deny:${requestId}`), 'the menu item');
  find(`request:${requestId}`)!.submenu!.find((i) => i.label === 'Review in Loopgate…')!.click!();
  assert.deepEqual(opened, [requestId]);
  find(`deny:${requestId}`)!.click!();
  await eventually(() => h.gw.pending().length === 0, 'the denial');
  assert.equal(h.gw.pairing.store.get(id.deviceId), undefined);
});

test('an approve for a request that is gone opens the window instead', async () => {
  const requestId = await lowRisk();
  await eventually(() => !!find(`approve:${requestId}`), 'the menu item');
  const stale = find(`approve:${requestId}`)!;
  await h.gw.reject(requestId);
  stale.click!();
  await eventually(() => opened.includes(requestId), 'the window to open');
});

test('Pause pairing toggles gateway.pairingPaused() and the checkbox follows', async () => {
  find('pause')!.click!();
  await eventually(() => h.gw.pairingPaused() === true, 'pause');
  await eventually(() => find('pause')!.checked === true, 'checkbox on');
  assert.ok(menu().some((i) => i.label === 'Pairing is paused: new requests are refused'));
  // While paused, a new device gets no request at all.
  const r = await ask(createIdentity(), { headers: { Host: 'example.com' } });
  assert.equal(r.ok, false);
  assert.equal(h.gw.pending().length, 0);
  find('pause')!.click!();
  await eventually(() => h.gw.pairingPaused() === false && find('pause')!.checked === false, 'resume');
});

test('a pause set elsewhere (window, CLI config.set) shows in the checkbox', async () => {
  await h.gw.setConfig('pairingPaused', true);
  await eventually(() => find('pause')!.checked === true, 'the checkbox to follow');
  await h.gw.setConfig('pairingPaused', false);
  await eventually(() => find('pause')!.checked === false, 'the checkbox to follow back');
});

test('notification settings can be changed from the tray', () => {
  assert.equal(find('notifications:enabled')!.checked, true);
  find('notifications:sound')!.click!();
  assert.deepEqual(n10n, { enabled: true, sound: false });
  assert.equal(find('notifications:sound')!.checked, false, 'menu rebuilt');
  find('notifications:enabled')!.click!();
  assert.deepEqual(n10n, { enabled: false, sound: false });
  assert.equal(find('notifications:sound')!.enabled, false, 'sound is moot while notifications are off');
});

test(`at most ${MAX_TRAY_REQUESTS} requests in the menu, then "N more…"`, async () => {
  for (let i = 0; i < MAX_TRAY_REQUESTS + 2; i++) await ask(createIdentity(), { headers: { Host: 'example.com' } });
  await eventually(() => h.gw.pending().length === MAX_TRAY_REQUESTS + 2, 'all pending');
  await eventually(() => menu().filter((i) => i.id?.startsWith('request:')).length === MAX_TRAY_REQUESTS, 'the menu');
  const more = menu().find((i) => i.label === '2 more… Open Loopgate')!;
  more.click!();
  assert.deepEqual(opened, [undefined]);
});

test('macOS: template icon and the count as the title', async () => {
  startTray('darwin');
  const image = fakeTray.image as { path: string; template: boolean };
  assert.match(image.path, /trayTemplate\.png$/);
  assert.equal(image.template, true);
  await ask(createIdentity(), { headers: { Host: 'example.com' } });
  await eventually(() => fakeTray.title === '1', 'the title');
  assert.match((fakeTray.image as { path: string }).path, /trayPendingTemplate\.png$/);
});

test('a quarantined store is shown in the menu', async () => {
  // A real corrupt pairing.json: the gateway moves it aside and fails closed; the tray says so.
  tray.destroy();
  await h.stop();
  const home = await mkdtemp(join(tmpdir(), 'loopgate-tray-q-'));
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFile(join(home, 'pairing.json'), '{ this is not json', { mode: 0o600 });
  const q = await startHarness({}, home);
  h = { ...q, stop: async () => { await q.stop(); await rm(home, { recursive: true, force: true }); } };
  assert.equal(h.gw.storeHealth().ok, false);
  startTray();
  const warn = menu().find((i) => i.label?.startsWith('⚠ Pairing store quarantined'))!;
  assert.ok(warn, JSON.stringify(menu().map((i) => i.label)));
  assert.match((fakeTray.image as { path: string }).path, /trayPending\.png$/);
  warn.click!();
  assert.deepEqual(opened, [undefined]);
});

test('an unusable settings file is shown in the menu until a setting is saved', async () => {
  tray.destroy();
  await h.stop();
  const home = await mkdtemp(join(tmpdir(), 'loopgate-tray-cfg-'));
  await writeFile(join(home, 'config.json'), '{"version":1,"silentApproval":', { mode: 0o600 });
  const q = await startHarness({}, home);
  h = { ...q, stop: async () => { await q.stop(); await rm(home, { recursive: true, force: true }); } };
  startTray();
  const warn = find('config-problem')!;
  assert.match(warn.label!, /Settings file unreadable — silent approval off, pairing paused/);
  assert.equal(find('pause')!.checked, true, 'pairing shows as paused');
  assert.match((fakeTray.image as { path: string }).path, /trayPending\.png$/);
  warn.click!();
  assert.deepEqual(opened, [undefined]);
  // Resuming from the tray is the user acting: a fresh file, and the warning goes.
  find('pause')!.click!();
  await eventually(() => !find('config-problem') && find('pause')!.checked === false, 'the warning to go');
  assert.equal(h.gw.configHealth().ok, true);
});

test('destroy unsubscribes and destroys the tray once', async () => {
  tray.destroy();
  assert.equal(fakeTray.destroyed, true);
  const sets = fakeTray.menusSet;
  await ask(createIdentity(), { headers: { Host: 'example.com' } });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(fakeTray.menusSet, sets);
  tray.destroy(); // no double destroy (electron#32581)
});

test('attach mode: the menu names the OpenClaw gateway and follows its state; no Pause (pairing is that gateway\'s)', async () => {
  const attached = await startAttached({
    home: await mkdtemp(join(tmpdir(), 'loopgate-tray-attach-')), url: h.url, secret: async () => ({ secret: h.token, kind: 'token' }),
    backoff: { minMs: 20, maxMs: 100, unauthorizedMs: 100 }, log: () => {},
  });
  tray.destroy();
  tray = new LoopgateTray({ gateway: attached, openWindow: () => {}, quit: () => {}, iconsDir: '/icons', platform: 'linux', createTray: (image) => (fakeTray = new FakeTray(image)) as never }).start();
  try {
    const label = () => menu()[1]?.label ?? '';
    await eventually(() => label() === `Attached to the OpenClaw gateway at ${h.url}`, 'the attached line');
    assert.equal(find('pause'), undefined);
    await h.gw.close();
    await eventually(() => label().startsWith(`⚠ The OpenClaw gateway at ${h.url} is not reachable`), 'the menu to say it is gone', 5000);
  } finally {
    await attached.close();
  }
});
