// Start at login through the (faked) Electron login-item API on macOS and Windows, and the real XDG entry on
// Linux, each behind the same controller the window, tray and Settings share.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, mock, test } from 'node:test';
import { fake } from './fake-electron';
import { LoginItemController } from '../desktop/login-item';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { loginItemBackend, openedAtLogin } = await import('./login-item');

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-login-app-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const li = fake.app.loginItem;
beforeEach(() => {
  Object.assign(li, { calls: [], openAtLogin: false, path: undefined, args: [], disabledByUser: false, status: 'not-registered', wasOpenedAtLogin: false });
});

const controller = (platform: NodeJS.Platform, extra: { env?: NodeJS.ProcessEnv } = {}) =>
  new LoginItemController({ backend: loginItemBackend({ platform, execPath: 'C:\\Program Files\\Loopgate\\Loopgate.exe', ...extra }), asked: { get: () => true, set: () => {} } });

test('macOS: off by default; on registers the app as a login item; read back from the system', async () => {
  const c = controller('darwin');
  assert.equal((await c.get()).enabled, false);
  assert.equal((await c.set(true)).enabled, true);
  assert.deepEqual(li.calls.at(-1), { openAtLogin: true });
  // Removed in System Settings by the user: off at the next read.
  li.openAtLogin = false;
  li.status = 'not-registered';
  assert.equal((await c.get()).enabled, false);
  assert.equal((await c.set(false)).enabled, false);
  assert.deepEqual(li.calls.at(-1), { openAtLogin: false });
});

test('macOS: waiting for the user\'s approval is shown as such', async () => {
  li.openAtLogin = true;
  li.status = 'requires-approval';
  const s = await controller('darwin').get();
  assert.equal(s.enabled, false);
  assert.match(s.problem!, /System Settings › General › Login Items/);
});

test('macOS: opened at login → the window stays closed (tray only)', () => {
  assert.equal(openedAtLogin([], 'darwin'), false);
  li.wasOpenedAtLogin = true;
  assert.equal(openedAtLogin([], 'darwin'), true);
  assert.equal(openedAtLogin([], 'win32'), false, 'wasOpenedAtLogin is macOS only');
  assert.equal(openedAtLogin(['app', '--hidden'], 'linux'), true);
});

test('Windows: the Run key starts the executable with --hidden; disabled in Task Manager reads as off', async () => {
  const c = controller('win32');
  assert.equal((await c.get()).enabled, false);
  assert.equal((await c.set(true)).enabled, true);
  assert.deepEqual(li.calls.at(-1), { openAtLogin: true, enabled: true, path: 'C:\\Program Files\\Loopgate\\Loopgate.exe', args: ['--hidden'] });
  li.disabledByUser = true; // the user switched it off in Task Manager › Startup apps
  const s = await c.get();
  assert.equal(s.enabled, false);
  assert.match(s.problem!, /Task Manager/);
  // Turning it on again re-enables the startup-approved key.
  assert.equal((await c.set(true)).enabled, true);
  assert.equal(li.disabledByUser, false);
  assert.equal((await c.set(false)).enabled, false);
  assert.deepEqual(li.calls.at(-1), { openAtLogin: false, enabled: false, path: 'C:\\Program Files\\Loopgate\\Loopgate.exe', args: ['--hidden'] });
});

test('Linux: the XDG entry, with the AppImage path when run from one (real files; no Electron call)', async () => {
  const home = join(tmp, 'cfg');
  const c = controller('linux', { env: { XDG_CONFIG_HOME: home, APPIMAGE: '/home/me/Loopgate.AppImage' } });
  assert.equal((await c.set(true)).enabled, true);
  assert.match(readFileSync(join(home, 'autostart', 'loopgate.desktop'), 'utf8'), /^Exec=\/home\/me\/Loopgate\.AppImage --hidden$/m);
  assert.equal(li.calls.length, 0);
  // A development run (`electron dist/electron/main.cjs`) starts electron with the main script again.
  const dev = new LoginItemController({ backend: loginItemBackend({ platform: 'linux', execPath: '/x/electron', env: { XDG_CONFIG_HOME: join(tmp, 'dev') }, argv: ['/x/electron', '/src/dist/electron/main.cjs', '--show'] }), asked: { get: () => true, set: () => {} } });
  assert.equal((await dev.set(true)).enabled, true);
  assert.match(readFileSync(join(tmp, 'dev', 'autostart', 'loopgate.desktop'), 'utf8'), /^Exec=\/x\/electron \/src\/dist\/electron\/main\.cjs --hidden$/m);
});

test('other systems: not supported, said plainly', async () => {
  assert.equal(loginItemBackend({ platform: 'freebsd' }), null);
});
