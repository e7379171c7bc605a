// The user's own name for a device: set in Device detail, shown in the Devices list with the reported name beside
// it, and the same name `openclaw devices rename` / device.pair.rename sets.
import { createIdentity, connectDevice } from '../electron/testing/device-client';
import { test, expect, goTo } from './gateway-fixture';

test('Rename in Device detail names the device; the reported name stays visible and marked', async ({ dashboard: page, gateway }) => {
  const id = createIdentity();
  const r = await connectDevice(gateway.wsUrl, id, { token: gateway.token, scopes: ['operator.read'], displayName: 'agent-7f3', clientId: 'cli', clientMode: 'cli' });
  expect(r.res.ok, JSON.stringify(r.res.error)).toBe(true);
  r.socket.close();

  await goTo(page, 'devices');
  const row = page.locator(`[data-device-id="${id.deviceId}"]`);
  await expect(row).toContainText('agent-7f3');
  await row.getByRole('button', { name: /open details/ }).click();
  await expect(page.getByTestId('detail-label')).toHaveText('none');

  await page.getByRole('button', { name: 'Rename' }).click();
  const input = page.getByLabel('Your name for this device');
  await expect(input).toBeFocused();
  await input.fill('   ');
  await expect(page.getByRole('button', { name: 'Save name' })).toBeDisabled();
  await input.fill('Build agent');
  await input.press('Enter');
  await expect(page.getByTestId('detail-label')).toHaveText('Build agent');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Build agent');
  await expect(page.getByTestId('detail-name')).toHaveText('agent-7f3 reported');
  await expect(page.getByRole('button', { name: 'Rename' })).toBeFocused();

  // Stored by the gateway, where every client reads it.
  const admin = await gateway.admin();
  const listed = (await admin.call('device.pair.list', {})).paired.find((d: { deviceId: string }) => d.deviceId === id.deviceId);
  expect(listed.operatorLabel).toBe('Build agent');
  expect(listed.displayName).toBe('agent-7f3');

  // The list shows the user's name, unmarked, with the reported one beside it.
  await page.getByRole('button', { name: 'All devices' }).click();
  await expect(row.getByRole('button', { name: 'Build agent: open details' })).toBeVisible();
  await expect(row.getByTestId('row-reported-name')).toContainText('agent-7f3');

  // A rename by another client (the CLI) reaches the open window.
  await admin.call('device.pair.rename', { deviceId: id.deviceId, label: 'Renamed elsewhere' });
  await expect(row.getByRole('button', { name: 'Renamed elsewhere: open details' })).toBeVisible();
  admin.close();
});
