// The desktop IPC channels with the real controllers behind them: the update controller drives electron-updater's
// AppImageUpdater against a feed on 127.0.0.1; only 'electron' (ipcMain, webContents) is faked.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { fake, FakeWebContents } from './fake-electron';
import { linuxAutostartBackend } from '../desktop/autostart-linux';
import { LoginItemController } from '../desktop/login-item';
import { UpdateController } from '../updates/update-controller';
import { createNodeUpdater } from '../testing/node-updater';
import { startUpdateFeed } from '../testing/update-feed';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { TrustedSenders } = await import('./ipc');
const { registerDesktopIpc } = await import('./desktop-ipc');

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-desktop-ipc-'));
const feed = await startUpdateFeed();
after(async () => {
  await feed.close();
  rmSync(tmp, { recursive: true, force: true });
});
mkdirSync(join(tmp, 'updater'));
process.env.APPIMAGE = join(tmp, 'Loopgate-0.1.0-x86_64.AppImage');
writeFileSync(process.env.APPIMAGE, 'old', { mode: 0o755 });

const loginItem = new LoginItemController({ backend: linuxAutostartBackend({ env: { XDG_CONFIG_HOME: join(tmp, 'xdg') }, homedir: tmp, execPath: '/opt/Loopgate/loopgate' }), asked: { get: () => false, set: () => {} } });
const updates = new UpdateController({ updater: createNodeUpdater({ feedUrl: feed.url, version: '0.1.0', dir: join(tmp, 'updater') }).updater, currentVersion: '0.1.0', productName: 'Loopgate', log: () => {} });
const trusted = new TrustedSenders();
const win = new FakeWebContents();
trusted.add(win as never);
let restarts = 0;
const dispose = registerDesktopIpc(trusted, { loginItem, updates, restartToUpdate: () => void restarts++, windows: () => [win as never] });
const url = 'app://loopgate/index.html';

test('updates: check from the window downloads a newer version; its progress reaches the window; restart is then allowed', async () => {
  await assert.rejects(fake.invoke('updates:restart', win, url), /No update is ready to install/);
  assert.equal(restarts, 0);
  feed.publish({ version: '0.2.0', file: { name: 'Loopgate-0.2.0-x86_64.AppImage', body: Buffer.from('new version') } });
  const s = (await fake.invoke('updates:check', win, url)) as { phase: string; version: string };
  assert.deepEqual([s.phase, s.version], ['ready', '0.2.0']);
  const phases = win.sent.filter(([ch]) => ch === 'updates:changed').map(([, v]) => (v as { phase: string }).phase);
  assert.deepEqual([...new Set(phases)], ['checking', 'downloading', 'ready']);
  assert.deepEqual(await fake.invoke('updates:get', win, url), updates.status());
  await fake.invoke('updates:restart', win, url);
  assert.equal(restarts, 1);
});

test('a stranger gets nothing: no check, no restart, no login item change', async () => {
  const stranger = new FakeWebContents();
  const before = feed.requests.length;
  for (const [ch, ...args] of [['updates:check'], ['updates:restart'], ['login-item:set', true], ['login-item:get']] as const) {
    await assert.rejects(fake.invoke(ch, stranger, url, ...args), /untrusted sender/, ch);
  }
  assert.equal(feed.requests.length, before);
  assert.equal(restarts, 1);
});

test('login item changes reach the window; the disposer removes every handler and listener', async () => {
  await fake.invoke('login-item:set', win, url, true);
  assert.ok(win.sent.some(([ch, v]) => ch === 'login-item:changed' && (v as { enabled: boolean }).enabled));
  dispose();
  for (const ch of ['login-item:get', 'login-item:set', 'updates:get', 'updates:check', 'updates:restart']) assert.ok(!fake.ipcMainHandlers.has(ch), ch);
  const sent = win.sent.length;
  await loginItem.set(false);
  assert.equal(win.sent.length, sent, 'no longer broadcast');
});
