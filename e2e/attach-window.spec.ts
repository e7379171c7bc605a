// The window in attach mode, against a real gateway as the upstream (Loopgate's own here, so this runs on every
// machine; the published OpenClaw gateway is exercised by openclaw-attach.spec.ts and the interop check).
import { test, expect, goTo, openDashboard } from './gateway-fixture';
import { loopgateAttach } from './openclaw-process';

test('attach mode: a banner names the gateway, Settings says whose settings they are, and a lost gateway is said', async ({ page, gateway }) => {
  const attach = await loopgateAttach(['--url', gateway.wsUrl, '--token', gateway.token]);
  try {
    await attach.waitFor(/^Attached to the OpenClaw gateway at /);
    await openDashboard(page, attach.dashboardUrl);
    const upstream = `ws://127.0.0.1:${gateway.port}`;
    const banner = page.getByTestId('attach-banner');
    await expect(banner).toHaveAttribute('data-attach-status', 'connected');
    await expect(banner).toContainText(`Attached to the OpenClaw gateway at ${upstream}`);
    await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toContainText(`OpenClaw :${gateway.port}`);

    await goTo(page, 'settings');
    await expect(page.getByTestId('attach-settings-note')).toContainText(upstream);
    await expect(page.getByRole('heading', { name: 'Gateway token' })).toHaveCount(0);

    await goTo(page, 'requests');
    await expect(page.getByText(`Requests that the OpenClaw gateway at ${upstream} holds for a decision appear here.`)).toBeVisible();

    await gateway.stop();
    await expect(banner).toHaveAttribute('data-attach-status', 'reconnecting', { timeout: 10_000 });
    await expect(banner.getByRole('alert')).toContainText(`Cannot reach the OpenClaw gateway at ${upstream} — retrying.`);
    await expect(banner.getByRole('button', { name: 'Retry now' })).toBeVisible();
    await attach.waitFor(/is not reachable/);
  } finally {
    await attach.stop();
  }
});
