// The window's desktop parts in Chromium, with the preload bridge wired to the real main-process logic in this
// test process: the start-at-login controller over a real XDG entry in a temp HOME, and the update controller
// driving electron-updater's AppImageUpdater against an update feed on 127.0.0.1. The gateway is the real one.
import { test, expect, type Page } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from './gateway-process';
import { autostartFile, linuxAutostartBackend } from '../electron/desktop/autostart-linux';
import { LoginItemController } from '../electron/desktop/login-item';
import { UpdateController } from '../electron/updates/update-controller';
import { createNodeUpdater } from '../electron/testing/node-updater';
import { startUpdateFeed, type UpdateFeed } from '../electron/testing/update-feed';

let gw: RunningGateway;
let feed: UpdateFeed;
let home: string;
let loginItem: LoginItemController;
let updates: UpdateController;
let entry: string;
const savedAppImage = process.env.APPIMAGE;

test.beforeEach(async ({ page }) => {
  gw = await startGateway();
  home = mkdtempSync(join(tmpdir(), 'loopgate-e2e-desktop-'));
  const ctx = { env: { XDG_CONFIG_HOME: join(home, 'xdg') }, homedir: home, execPath: '/opt/Loopgate/loopgate' };
  entry = autostartFile(ctx);
  let asked = false;
  loginItem = new LoginItemController({ backend: linuxAutostartBackend(ctx), asked: { get: () => asked, set: (v) => { asked = v; } } });
  feed = await startUpdateFeed();
  mkdirSync(join(home, 'updater'));
  process.env.APPIMAGE = join(home, 'Loopgate-0.1.0-x86_64.AppImage');
  writeFileSync(process.env.APPIMAGE, 'old', { mode: 0o755 });
  updates = new UpdateController({ updater: createNodeUpdater({ feedUrl: feed.url, version: '0.1.0', dir: join(home, 'updater') }).updater, currentVersion: '0.1.0', productName: 'Loopgate', log: () => {} });
  await wireBridge(page);
});

test.afterEach(async () => {
  updates.dispose();
  await feed.close();
  await gw.stop();
  rmSync(home, { recursive: true, force: true });
  if (savedAppImage === undefined) delete process.env.APPIMAGE;
  else process.env.APPIMAGE = savedAppImage;
});

/** The preload's window.loopgate, each call crossing to the real controllers (what ipc + preload do in the app). */
async function wireBridge(page: Page): Promise<void> {
  await page.exposeFunction('__bridgeCall', async (method: string, arg: unknown) => {
    switch (method) {
      case 'connectInfo': return { url: gw.wsUrl, credential: (await gw.freshDashboardUrl()).split('#')[1] };
      case 'loginItem': return loginItem.get();
      case 'setLoginItem': return loginItem.set(arg === true);
      case 'updateStatus': return updates.status();
      case 'checkForUpdates': return updates.check();
      case 'restartToUpdate': return undefined;
      default: throw new Error(`unknown bridge method ${method}`);
    }
  });
  const push = (channel: string, value: unknown) => void page.evaluate(([c, v]) => (globalThis as unknown as { __bridgeEmit(c: string, v: unknown): void }).__bridgeEmit(c, v), [channel, value] as const).catch(() => {});
  loginItem.onChange((s) => push('login', s));
  updates.onChange((s) => push('updates', s));
  await page.addInitScript(() => {
    const call = (globalThis as unknown as { __bridgeCall(m: string, a?: unknown): Promise<unknown> }).__bridgeCall;
    const subs: Record<string, Set<(v: unknown) => void>> = { login: new Set(), updates: new Set() };
    const sub = (c: string) => (cb: (v: unknown) => void) => { subs[c]!.add(cb); return () => void subs[c]!.delete(cb); };
    (globalThis as unknown as { __bridgeEmit(c: string, v: unknown): void }).__bridgeEmit = (c, v) => subs[c]?.forEach((cb) => cb(v));
    (globalThis as unknown as { loopgate: unknown }).loopgate = {
      connectInfo: () => call('connectInfo'),
      onShowRequest: () => () => {},
      onShowApproval: () => () => {},
      loginItem: () => call('loginItem'),
      setLoginItem: (v: boolean) => call('setLoginItem', v),
      onLoginItemChanged: sub('login'),
      updateStatus: () => call('updateStatus'),
      checkForUpdates: () => call('checkForUpdates'),
      restartToUpdate: () => call('restartToUpdate'),
      onUpdateStatus: sub('updates'),
    };
  });
}

async function open(page: Page): Promise<void> {
  await page.goto(gw.origin);
  await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toBeVisible();
}

test('first run asks once; yes writes the login entry; Settings shows the state read back from the system', async ({ page }) => {
  await open(page);
  const prompt = page.getByTestId('start-at-login-prompt');
  await expect(prompt).toContainText('Start Loopgate when you log in?');
  expect(existsSync(entry)).toBe(false);
  await prompt.getByRole('button', { name: 'Start at login' }).click();
  await expect(prompt).toBeHidden();
  await expect.poll(() => existsSync(entry)).toBe(true);

  await page.getByTestId('nav-settings').click();
  const sw = page.getByRole('switch', { name: 'Start Loopgate when I log in' });
  await expect(sw).toBeChecked();
  await expect(page.getByTestId('start-at-login-card')).toContainText(entry);

  // Removed by hand: off when read again; the question is not asked again.
  rmSync(entry);
  await page.reload();
  await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toBeVisible();
  await page.getByTestId('nav-settings').click();
  await expect(page.getByRole('switch', { name: 'Start Loopgate when I log in' })).not.toBeChecked();
  await expect(page.getByTestId('start-at-login-prompt')).toHaveCount(0);
  // The switch turns it on again; a change made elsewhere (the tray) shows up live.
  await page.getByRole('switch', { name: 'Start Loopgate when I log in' }).click();
  await expect.poll(() => existsSync(entry)).toBe(true);
  await loginItem.set(false);
  await expect(page.getByRole('switch', { name: 'Start Loopgate when I log in' })).not.toBeChecked();
});

test('"Not now" answers the question and registers nothing; a blocked folder is explained in Settings', async ({ page }) => {
  await open(page);
  await page.getByTestId('start-at-login-prompt').getByRole('button', { name: 'Not now' }).click();
  await expect(page.getByTestId('start-at-login-prompt')).toHaveCount(0);
  expect(existsSync(entry)).toBe(false);
  writeFileSync(join(home, 'xdg'), 'a file where the folder should be');
  await page.getByTestId('nav-settings').click();
  await page.getByRole('switch', { name: 'Start Loopgate when I log in' }).click();
  await expect(page.getByTestId('start-at-login-problem')).toContainText('Cannot write the login entry');
  await expect(page.getByRole('switch', { name: 'Start Loopgate when I log in' })).not.toBeChecked();
});

test('Updates in Settings: version, a failed check explained, then a verified download ready to install', async ({ page }) => {
  await open(page);
  await page.getByTestId('nav-settings').click();
  const card = page.getByTestId('updates-card');
  await expect(card).toContainText('This version0.1.0');
  await expect(card).toContainText('Last checknever');

  feed.publish({ version: '0.2.0', file: { name: 'Loopgate-0.2.0-x86_64.AppImage', body: Buffer.from('new') }, sha512Of: Buffer.from('other') });
  await card.getByRole('button', { name: 'Check for updates' }).click();
  await expect(page.getByTestId('update-message')).toHaveText('The downloaded update failed its checksum (sha512 mismatch) and was deleted; nothing was installed.');
  await expect(card).not.toContainText('Last checknever');

  feed.publish({ version: '0.2.0', file: { name: 'Loopgate-0.2.0-x86_64.AppImage', body: Buffer.from('new') } });
  await card.getByRole('button', { name: 'Check for updates' }).click();
  await expect(card.getByRole('button', { name: 'Restart to update' })).toBeVisible();
  await expect(card).toContainText('0.2.0 (ready)');
  await expect(page.getByTestId('update-message')).toContainText('0.2.0 is ready: it installs when you quit');
});
