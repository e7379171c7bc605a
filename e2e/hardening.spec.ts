// Issue 7 in the window, against a real headless gateway and real WebSocket clients: the Requests card shows exactly
// what Approve grants after a revoke; rotating the gateway token ends the old token's sessions while the window
// carries on (and reloads) without a prompt; a corrupt config.json is a banner until a setting is saved.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDevice, createIdentity } from '../electron/testing/device-client';
import { test, expect, goTo, openDashboard } from './gateway-fixture';
import { startGateway } from './gateway-process';

test('after a revoke, the request shows exactly what Approve gives, and that is all the device gets back', async ({ dashboard: page, gateway }) => {
  const id = createIdentity();
  const paired = await connectDevice(gateway.wsUrl, id, { token: gateway.token, scopes: ['operator.admin'], displayName: 'revoked agent' });
  expect(paired.res.ok, JSON.stringify(paired.res.error)).toBe(true);
  paired.socket.close();
  const admin = await gateway.admin();
  await admin.call('device.token.revoke', { deviceId: id.deviceId, role: 'operator' });

  // The device comes back with its key alone, asking for its role with no scopes.
  const back = await connectDevice(gateway.wsUrl, id, { scopes: [], displayName: 'revoked agent' });
  expect(back.res.error?.details?.reason).toBe('role-upgrade');
  const requestId = back.res.error!.details.requestId as string;
  back.socket.close();

  await goTo(page, 'requests');
  const card = page.locator(`[data-request-id="${requestId}"]`);
  await expect(card).toBeVisible();
  const grant = card.getByTestId('request-grant');
  await expect(grant).toContainText('role operator');
  await expect(grant).toContainText('a token with no scopes');
  await expect(card).not.toContainText('operator.admin');
  await expect(card).toContainText('nothing — its earlier approval was revoked');
  await card.getByRole('button', { name: /^Approve/ }).click();
  await expect(card).toHaveCount(0);

  const after = await connectDevice(gateway.wsUrl, id, { scopes: [] });
  expect(after.res.ok, JSON.stringify(after.res.error)).toBe(true);
  expect(after.res.payload.auth.scopes).toEqual([]);
  after.socket.close();
  const device = (await admin.call('device.pair.list', {})).paired.find((d: { deviceId: string }) => d.deviceId === id.deviceId);
  expect(device.tokens.find((t: { role: string }) => t.role === 'operator').scopes).toEqual([]);
  expect(device.approvedScopes).toEqual([]);
});

test('rotating the gateway token closes the old token\'s sessions; the window carries on and reloads without a prompt', async ({ dashboard: page, gateway }) => {
  const oldAdmin = await gateway.admin();
  const withDevice = await connectDevice(gateway.wsUrl, createIdentity(), { token: gateway.token, scopes: ['operator.pairing'], clientMode: 'backend' });
  expect(withDevice.res.ok).toBe(true);

  await goTo(page, 'settings');
  await page.getByRole('button', { name: 'Rotate the gateway token' }).click();
  await page.getByRole('button', { name: 'Rotate token' }).click();
  // The new token is on disk once the rotation is done, and the window then shows exactly it.
  const tokenFile = (): string => readFileSync(join(gateway.home, 'gateway-token'), 'utf8').trim();
  await expect.poll(tokenFile).not.toBe(gateway.token);
  const shown = tokenFile();
  await expect(page.getByTestId('gateway-token')).toHaveText(shown);

  expect(await oldAdmin.closed).toEqual({ code: 1008, reason: 'gateway token rotated' });
  expect(await withDevice.socket.closed).toEqual({ code: 1008, reason: 'gateway token rotated' });
  // The window never used the token: still connected, and a reload reconnects with its own session.
  await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toBeVisible();
  await expect(page.getByTestId('connect-unauthorized')).toHaveCount(0);
  // And the new token works for everyone else.
  const fresh = await connectDevice(gateway.wsUrl, null, { token: shown, scopes: ['operator.read'] });
  expect(fresh.res.ok).toBe(true);
  fresh.socket.close();
});

for (const [what, bytes] of [['truncated', '{"version":1,"silentApproval":{"enabled":tr'], ['wrong shape', '{"version":1,"pairingPaused":"no"}']] as const) {
  test(`a corrupt config.json (${what}) is a banner until a setting is saved; meanwhile the policy is strict`, async ({ page }) => {
    const home = mkdtempSync(join(tmpdir(), 'loopgate-e2e-config-'));
    writeFileSync(join(home, 'config.json'), bytes, { mode: 0o600 });
    const gw = await startGateway({ home });
    try {
      expect(gw.output.join('\n')).toMatch(/\[stderr\] loopgate: WARNING settings file unusable/);
      await openDashboard(page, gw.dashboardUrl);
      const banner = page.getByTestId('config-banner');
      await expect(banner).toBeVisible();
      await expect(banner).toHaveAttribute('role', 'alert');
      await expect(banner).toContainText('Until you save a setting, silent approval is off and pairing is paused.');
      await expect(banner).toContainText(join(home, 'config.json.corrupt-'));
      await expect(page.getByTestId('paused-banner')).toBeVisible();

      await banner.getByRole('button', { name: 'Review settings' }).click();
      await expect(page.getByTestId('nav-settings')).toHaveAttribute('aria-current', 'page');
      await expect(page.getByRole('switch', { name: 'Approve local devices silently' })).not.toBeChecked();
      await expect(page.getByRole('switch', { name: 'Pause pairing' })).toBeChecked();
      // The user acts: resuming pairing writes a fresh settings file and the banner goes; silent approval stays off.
      await page.getByRole('switch', { name: 'Pause pairing' }).uncheck();
      await expect(banner).toHaveCount(0);
      const written = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
      expect(written.pairingPaused).toBe(false);
      expect(written.silentApproval.enabled).toBe(false);
      expect(readdirSync(home).some((n) => n.startsWith('config.json.corrupt-'))).toBe(true);
      await page.reload();
      await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
      await expect(page.getByTestId('config-banner')).toHaveCount(0);
    } finally {
      await gw.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
}
