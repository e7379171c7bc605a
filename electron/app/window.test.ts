// The window and process hardening: sandboxed, isolated, no navigation, no popups, no webviews,
// no permissions; closing hides; bounds remembered; "open on request" reaches the renderer.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { fake, fakeEvent, FakeBrowserWindow, FakeWebContents } from './fake-electron';
import { defaultPrefs, type Prefs } from './prefs-migrations';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { installSecurity } = await import('./security');
const { AppWindow } = await import('./window');
const { TrustedSenders } = await import('./ipc');

installSecurity(fake.exports.app as never, fake.exports.session.defaultSession as never);

function memoryPrefs(initial: Prefs = defaultPrefs()) {
  let current = structuredClone(initial);
  const writes: Prefs['window'][] = [];
  return {
    writes,
    get: () => structuredClone(current),
    setWindow(window: Prefs['window']) {
      writes.push(window);
      current = { ...current, window };
    },
  };
}

function makeWindow(prefs = memoryPrefs()) {
  const trusted = new TrustedSenders();
  const w = new AppWindow({ preloadPath: '/app/dist/electron/preload.cjs', trusted, prefs, platform: 'linux', devTools: false });
  return { w, trusted, prefs };
}

test('created sandboxed and context-isolated, without node, with the bundled preload, on app://loopgate', () => {
  const { w } = makeWindow();
  const win = w.show() as unknown as FakeBrowserWindow;
  const wp = win.options.webPreferences;
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.sandbox, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.nodeIntegrationInSubFrames, false);
  assert.equal(wp.webSecurity, true);
  assert.equal(wp.allowRunningInsecureContent, false);
  assert.equal(wp.webviewTag, false);
  assert.equal(wp.devTools, false);
  assert.equal(wp.preload, '/app/dist/electron/preload.cjs');
  assert.equal(win.webContents.url, 'app://loopgate/index.html');
  assert.equal(win.visible, true);
});

test('navigation, redirects, window.open and <webview> are denied for every webContents', () => {
  const { w } = makeWindow();
  const win = w.show() as unknown as FakeBrowserWindow;
  // Ours, and any other webContents the process ever creates.
  const other = new FakeWebContents();
  fake.app.emit('web-contents-created', fakeEvent(), other);
  for (const wc of [win.webContents, other]) {
    for (const ev of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = fakeEvent({ url: 'https://evil.example/' });
      wc.emit(ev, e);
      assert.equal(e.defaultPrevented, true, ev);
    }
    assert.deepEqual(wc.windowOpenHandler?.({ url: 'https://evil.example/' }), { action: 'deny' });
    assert.deepEqual(wc.windowOpenHandler?.({ url: 'app://loopgate/index.html' }), { action: 'deny' });
  }
});

test('permission requests and checks are denied', async () => {
  const { permissionRequest, permissionCheck, devicePermission } = fake.sessionHandlers;
  assert.ok(permissionRequest && permissionCheck && devicePermission);
  for (const perm of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'fullscreen']) {
    for (const origin of ['app://loopgate', 'https://evil.example']) {
      const granted = await new Promise<boolean>((resolve) => permissionRequest({}, perm, resolve, { requestingUrl: `${origin}/index.html`, isMainFrame: true }));
      assert.equal(granted, false, `${perm} request from ${origin}`);
      assert.equal(permissionCheck({}, perm, origin, {}), false, `${perm} check from ${origin}`);
    }
  }
  assert.equal(devicePermission({ deviceType: 'usb', origin: 'app://loopgate' }), false);
  // The single exception: our own page may reach the loopback gateway (Local Network Access).
  assert.equal(permissionCheck({}, 'loopback-network', 'app://loopgate', {}), true);
  assert.equal(permissionCheck({}, 'loopback-network', 'https://evil.example', {}), false);
  const lna = await new Promise<boolean>((resolve) => permissionRequest({}, 'local-network-access', resolve, { requestingUrl: 'https://evil.example/', isMainFrame: true }));
  assert.equal(lna, false);
});

test('the window is a trusted IPC sender until destroyed', () => {
  const { w, trusted } = makeWindow();
  const win = w.show() as unknown as FakeBrowserWindow;
  assert.ok(trusted.has(win.webContents.id));
  w.destroy();
  assert.ok(!trusted.has(win.webContents.id));
});

test('closing hides (the tray keeps running); after allowClose it really closes', () => {
  const { w } = makeWindow();
  const win = w.show() as unknown as FakeBrowserWindow;
  win.close();
  assert.equal(win.destroyed, false);
  assert.equal(win.visible, false);
  assert.equal(w.show(), win as never, 'the same window comes back');
  w.allowClose();
  win.close();
  assert.equal(win.destroyed, true);
});

test('size and position are saved on close and restored next time', () => {
  const prefs = memoryPrefs();
  const first = makeWindow(prefs);
  const win = first.w.show() as unknown as FakeBrowserWindow;
  win.bounds = { x: 200, y: 150, width: 900, height: 700 };
  win.close();
  assert.deepEqual(prefs.get().window.bounds, { x: 200, y: 150, width: 900, height: 700 });
  first.w.destroy();

  const second = makeWindow(prefs);
  const win2 = second.w.show() as unknown as FakeBrowserWindow;
  assert.equal(win2.options.x, 200);
  assert.equal(win2.options.y, 150);
  assert.equal(win2.options.width, 900);
  assert.equal(win2.options.height, 700);
  second.w.destroy();
});

test('a position that is off every screen is dropped', () => {
  const prefs = memoryPrefs({ ...defaultPrefs(), window: { bounds: { x: 5000, y: 4000, width: 900, height: 700 }, maximized: false } });
  const { w } = makeWindow(prefs);
  const win = w.show() as unknown as FakeBrowserWindow;
  assert.equal(win.options.x, undefined);
  assert.equal(win.options.width, 900);
  w.destroy();
});

test('openOnRequest shows the window and tells the renderer which request', async () => {
  const { w } = makeWindow();
  w.openOnRequest('req-42'); // window created now: the message waits for the page to load
  const win = FakeBrowserWindow.instances.at(-1)!;
  assert.equal(win.visible, true);
  assert.deepEqual(win.webContents.sent, []);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(win.webContents.sent, [['window:show-request', 'req-42']]);
  win.close(); // hidden
  w.openOnRequest('req-43'); // already loaded: sent at once
  assert.deepEqual(win.webContents.sent.at(-1), ['window:show-request', 'req-43']);
  assert.equal(win.visible, true);
  w.destroy();
});

test('openOnApproval shows the window and names the approval on its own channel', async () => {
  const { w } = makeWindow();
  w.openOnApproval('ap-1');
  const win = FakeBrowserWindow.instances.at(-1)!;
  assert.equal(win.visible, true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(win.webContents.sent, [['window:show-approval', 'ap-1']]);
  w.openOnApproval('ap-2');
  assert.deepEqual(win.webContents.sent.at(-1), ['window:show-approval', 'ap-2']);
  w.destroy();
});
