// The composition root with a faked 'electron' and the real gateway: startup wiring, single instance,
// a taken port, and an orderly quit.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { fake, fakeEvent, FakeBrowserWindow, FakeTray } from './fake-electron';
// Loaded before mock.module on purpose: on Node 20.20, once a module mock is registered, bare
// specifiers resolve with the "require" condition, so `import { WebSocketServer } from 'ws'` would
// get ws's CJS entry (no named exports). Loading the gateway first links it to ws's ESM wrapper.
import { startGateway } from '../gateway/gateway';
import '../attach/attached-gateway';
import { eventually } from '../testing/eventually';

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-main-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
fake.app.paths.appData = join(tmp, 'appData');
process.env.LOOPGATE_HOME = join(tmp, 'home');
process.env.LOOPGATE_PORT = '0';
// Start at login on Linux writes an XDG entry: keep it inside the temp folder.
process.env.XDG_CONFIG_HOME = join(tmp, 'xdg');
mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });

const mainModule = await import('./main');
fake.app.readyResolve();
const controller = await mainModule.started;

test('starts: privileged scheme, hardening, app:// handler, IPC, tray, gateway on loopback', async () => {
  assert.ok(controller, JSON.stringify(fake.errorBoxes));
  assert.ok(fake.schemes.some((s) => (s as { scheme: string }).scheme === 'app'));
  assert.ok(fake.sessionHandlers.permissionRequest && fake.sessionHandlers.permissionCheck);
  assert.ok(fake.protocolHandlers.has('app'));
  assert.ok(fake.ipcMainHandlers.has('gateway:connect-info'));
  assert.equal(FakeTray.instances.length, 1);
  assert.ok(FakeTray.instances[0]!.menu);
  assert.match(controller.gateway.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(controller.gateway.home, process.env.LOOPGATE_HOME);
  // The same folder the CLI uses when LOOPGATE_HOME is unset, whatever name Electron started with.
  assert.equal(fake.app.getName(), 'Loopgate');
  assert.equal(fake.app.getPath('userData'), join(tmp, 'appData', 'Loopgate'));
  assert.equal(fake.app.dock.hidden, true);
  assert.equal(fake.app.listenerCount('window-all-closed'), 1, 'a tray app does not quit with its last window');
  const res = await fetch(`http://127.0.0.1:${controller.gateway.port}/healthz`);
  assert.equal(res.status, 200);
});

test('first run shows the window; it is a trusted IPC sender that gets a fresh credential', async () => {
  const win = FakeBrowserWindow.instances[0]!;
  assert.ok(win, 'window created at first run');
  assert.equal(win.visible, true);
  assert.equal(win.webContents.url, 'app://loopgate/index.html');
  const a = (await fake.invoke('gateway:connect-info', win.webContents, 'app://loopgate/index.html')) as { url: string; credential: string };
  const b = (await fake.invoke('gateway:connect-info', win.webContents, 'app://loopgate/index.html')) as { url: string; credential: string };
  assert.equal(a.url, controller!.gateway.url);
  assert.ok(a.credential && b.credential && a.credential !== b.credential);
});

test('a second instance brings the window back', () => {
  const win = FakeBrowserWindow.instances[0]!;
  win.close();
  assert.equal(win.visible, false);
  fake.app.emit('second-instance', fakeEvent(), ['loopgate'], tmp);
  assert.equal(win.visible, true);
});

test('without the single-instance lock the new process quits at once', async () => {
  fake.app.singleInstanceLock = false;
  fake.app.quitCalled = false;
  assert.equal(await mainModule.main(), null);
  assert.equal(fake.app.quitCalled, true);
  fake.app.singleInstanceLock = true;
});

test('a taken port: who holds it in one sentence, the choices; Quit exits 1', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  process.env.LOOPGATE_PORT = String(port);
  process.env.LOOPGATE_HOME = join(tmp, 'home2');
  fake.app.exitCode = null;
  fake.messageBoxAnswer.response = 1; // Quit
  try {
    assert.equal(await mainModule.main(), null);
  } finally {
    blocker.close();
  }
  const box = fake.messageBoxes.at(-1)!;
  assert.match(box.detail!, new RegExp(`^Port ${port} on 127\\.0\\.0\\.1 is held by .*PID ${process.pid}.*which does not answer as an OpenClaw gateway: stop that program, or move Loopgate's own gateway to free port \\d+ \\(saved in Settings\\)\\.$`));
  assert.deepEqual(box.buttons?.at(-1), 'Quit');
  assert.match(box.buttons![0]!, /^Use port \d+$/);
  assert.equal(fake.app.exitCode, 1);
});

test('the app log: <data>/logs/app.log with the start, the gateway and its events, never a credential', async () => {
  const win = FakeBrowserWindow.instances[0]!;
  const info = (await fake.invoke('gateway:connect-info', win.webContents, 'app://loopgate/index.html')) as { credential: string };
  const home = controller!.gateway.home;
  const token = readFileSync(join(home, 'gateway-token'), 'utf8').trim();
  controller!.logFile.write(`a careless line with ${token} and ${info.credential}`);
  const dir = join(home, 'logs');
  const text = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
  assert.match(text, /Loopgate 0\.0\.0-test starting/);
  assert.match(text, /gateway listening on ws:\/\/127\.0\.0\.1:\d+/);
  assert.match(text, /updates: off \(Updates are off in development builds\.\)/);
  assert.ok(!text.includes(token), 'no gateway token');
  assert.ok(!text.includes(info.credential), 'no owner credential');
});

test('desktop IPC: start at login read back from the XDG entry, set from the window, refused for junk and strangers', async () => {
  const win = FakeBrowserWindow.instances[0]!;
  const url = 'app://loopgate/index.html';
  const entry = join(tmp, 'xdg', 'autostart', 'loopgate.desktop');
  const first = (await fake.invoke('login-item:get', win.webContents, url)) as { enabled: boolean; asked: boolean };
  assert.deepEqual([first.enabled, first.asked], [false, false], 'off, and the first-run question not answered');
  const sentBefore = win.webContents.sent.length;
  const on = (await fake.invoke('login-item:set', win.webContents, url, true)) as { enabled: boolean; asked: boolean };
  assert.deepEqual([on.enabled, on.asked], [true, true]);
  assert.ok(existsSync(entry));
  // The window and the tray hear about it.
  assert.ok(win.webContents.sent.slice(sentBefore).some(([ch, s]) => ch === 'login-item:changed' && (s as { enabled: boolean }).enabled));
  const trayItem = (FakeTray.instances[0]!.menu!.template as Array<{ id?: string; checked?: boolean }>).find((i) => i.id === 'start-at-login');
  assert.equal(trayItem?.checked, true);
  // Removed by hand: off at the next read.
  rmSync(entry);
  assert.equal(((await fake.invoke('login-item:get', win.webContents, url)) as { enabled: boolean }).enabled, false);
  for (const junk of ['true', 1, null, { enabled: true }]) {
    await assert.rejects(fake.invoke('login-item:set', win.webContents, url, junk), /expects true or false/);
  }
  await assert.rejects(fake.invoke('login-item:set', win.webContents, 'https://evil.example/', true), /untrusted sender/);
  assert.equal(existsSync(entry), false);
});

test('a blocked autostart folder: a clear problem for Settings, and the gateway keeps running', async () => {
  const win = FakeBrowserWindow.instances[0]!;
  rmSync(join(tmp, 'xdg'), { recursive: true, force: true });
  writeFileSync(join(tmp, 'xdg'), 'a file where the config folder should be');
  const s = (await fake.invoke('login-item:set', win.webContents, 'app://loopgate/index.html', true)) as { enabled: boolean; problem?: string };
  assert.equal(s.enabled, false);
  assert.match(s.problem!, /Cannot write the login entry in .*\. Start at login stays off\./);
  const res = await fetch(`http://127.0.0.1:${controller!.gateway.port}/healthz`);
  assert.equal(res.status, 200);
  rmSync(join(tmp, 'xdg'));
});

test('updates in a development build: off with the reason; check and restart do nothing harmful', async () => {
  const win = FakeBrowserWindow.instances[0]!;
  const url = 'app://loopgate/index.html';
  const s = (await fake.invoke('updates:get', win.webContents, url)) as { phase: string; message: string; currentVersion: string };
  assert.deepEqual(s, { phase: 'disabled', currentVersion: '0.0.0-test', message: 'Updates are off in development builds.' });
  assert.equal(((await fake.invoke('updates:check', win.webContents, url)) as { phase: string }).phase, 'disabled');
  await assert.rejects(fake.invoke('updates:restart', win.webContents, url), /No update is ready to install/);
  const items = FakeTray.instances[0]!.menu!.template as Array<{ id?: string; label?: string; enabled?: boolean }>;
  assert.deepEqual(items.find((i) => i.id === 'check-updates'), { id: 'check-updates', label: 'Check for updates (off in this build)', enabled: false });
  assert.ok(items.some((i) => i.id === 'open-logs'));
});

test('quit (tray or Cmd+Q) closes the gateway, then installs a ready update (on quit), then exits', async () => {
  fake.app.exitCode = null;
  const port = controller!.gateway.port;
  // Record what the exit path asks of the updater, and whether the gateway was already closed by then.
  const installs: Array<{ mode: string; gatewayUp: boolean }> = [];
  controller!.updates.applyOnExit = (mode) => {
    installs.push({ mode, gatewayUp: fake.app.exitCode !== null });
    return false;
  };
  const gatewayWas = fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status);
  assert.equal(await gatewayWas, 200);
  const ev = fakeEvent();
  fake.app.emit('before-quit', ev);
  assert.equal(ev.defaultPrevented, true, 'the quit waits for the gateway');
  await controller!.quit(); // same promise as the one before-quit started
  assert.equal(fake.app.exitCode, 0);
  assert.equal(FakeTray.instances[0]!.destroyed, true);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  assert.deepEqual(installs, [{ mode: 'quit', gatewayUp: false }], 'installed once, before exit');
  assert.match(readFileSync(join(controller!.gateway.home, 'logs', 'app.log'), 'utf8'), /quitting\n/);
});

test('a taken port held by a gateway: "Attach to it" attaches (remembered), and the tray says to what', async () => {
  // The program on the port is a real gateway; OpenClaw's config (pointed to by OPENCLAW_CONFIG_PATH) holds its token.
  const upstream = await startGateway({ home: join(tmp, 'upstream'), port: 0 });
  const cfg = join(tmp, 'openclaw.json');
  writeFileSync(cfg, JSON.stringify({ gateway: { port: upstream.port, auth: { mode: 'token', token: upstream.gatewayToken() } } }));
  process.env.OPENCLAW_CONFIG_PATH = cfg;
  process.env.LOOPGATE_PORT = String(upstream.port);
  process.env.LOOPGATE_HOME = join(tmp, 'home3');
  fake.messageBoxAnswer.response = 0; // Attach to it
  FakeTray.instances.length = 0;
  const attached = await mainModule.main();
  try {
    assert.ok(attached, JSON.stringify(fake.errorBoxes.at(-1)));
    const gw = attached.gateway;
    assert.ok(gw.attachInfo, 'an attached gateway');
    await eventually(() => gw.attachInfo!().status === 'connected', 'Loopgate to attach to the gateway on the port', 10_000);
    assert.notEqual(gw.port, upstream.port, 'the window server listens elsewhere');
    // The choice is remembered for the next start.
    const prefs = JSON.parse(readFileSync(join(process.env.LOOPGATE_HOME, 'preferences.json'), 'utf8'));
    assert.deepEqual(prefs.gateway, { mode: 'attach', url: `ws://127.0.0.1:${upstream.port}` });
    // The tray names the gateway and offers no Pause (pairing is that gateway's).
    const tray = attached.tray.template;
    assert.ok(tray.some((i) => typeof i.label === 'string' && i.label.startsWith(`Attached to the OpenClaw gateway at ws://127.0.0.1:${upstream.port}`)), JSON.stringify(tray.map((i) => i.label)));
    assert.ok(!tray.some((i) => i.id === 'pause'));
    // The window is pointed at Loopgate's own server, which relays that gateway.
    const win = FakeBrowserWindow.instances.at(-1)!;
    const info = (await fake.invoke('gateway:connect-info', win.webContents, 'app://loopgate/index.html')) as { url: string };
    assert.equal(info.url, gw.url);
  } finally {
    await attached?.quit();
    await upstream.close();
    delete process.env.OPENCLAW_CONFIG_PATH;
  }
});

test('portFromEnv accepts only real ports', () => {
  assert.equal(mainModule.portFromEnv(undefined), undefined);
  assert.equal(mainModule.portFromEnv(''), undefined);
  assert.equal(mainModule.portFromEnv('18789'), 18789);
  assert.equal(mainModule.portFromEnv('0'), 0);
  assert.equal(mainModule.portFromEnv('70000'), undefined);
  assert.equal(mainModule.portFromEnv('12ab'), undefined);
});

test('bundle paths sit beside the bundle', () => {
  const p = mainModule.bundlePaths('/app/dist/electron');
  assert.deepEqual(p, { preload: '/app/dist/electron/preload.cjs', rendererDir: '/app/dist/renderer', iconsDir: '/app/build/icons', appIcon: '/app/build/icons/icon.png' });
});

test('a taken port: "Use port N" saves it in Settings and starts the gateway there', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  process.env.LOOPGATE_PORT = String(port);
  process.env.LOOPGATE_HOME = join(tmp, 'home4');
  fake.app.exitCode = null;
  fake.messageBoxAnswer.response = 0;
  const moved = await mainModule.main().finally(() => blocker.close());
  assert.ok(moved, JSON.stringify(fake.errorBoxes.at(-1)));
  const chosen = Number(/^Use port (\d+)$/.exec(fake.messageBoxes.at(-1)!.buttons![0]!)![1]);
  assert.equal(moved.gateway.port, chosen);
  assert.equal(JSON.parse(readFileSync(join(tmp, 'home4', 'config.json'), 'utf8')).port, chosen);
  await moved.quit();
});
