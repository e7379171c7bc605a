// Attach mode against the real, published OpenClaw gateway: a role upgrade made to that gateway shows in
// Loopgate's window, Approve there pairs the device on that gateway; a command waiting there for approval shows
// in the Approvals view and Allow once answers it; and restarting that gateway leaves Loopgate reconnected.
// Needs Node 24 + openclaw in the interop folder (npm run test:interop installs them); skipped with the reason
// when they are absent, as on a fresh CI machine.
import { test, expect } from '@playwright/test';
import { connectDevice, createIdentity } from '../electron/testing/device-client';
import { approvalRequester, askApproval, echoParams } from '../electron/testing/exec-approval-client';
import { goTo, openDashboard } from './gateway-fixture';
import { loopgateAttach, openclawGateway, openclawMissing } from './openclaw-process';

const missing = openclawMissing();

test('attached to a real OpenClaw gateway: its role upgrade and exec approval are decided from the window; a restart is survived', async ({ page }) => {
  test.skip(missing !== null, `the real OpenClaw gateway is not installed here: ${missing}`);
  test.setTimeout(180_000);
  const oc = await openclawGateway();
  let attach: Awaited<ReturnType<typeof loopgateAttach>> | undefined;
  try {
    await oc.start();
    attach = await loopgateAttach(['--url', oc.url, '--token', oc.token]);
    await attach.waitFor(/^Attached to the OpenClaw gateway at ws:\/\/127\.0\.0\.1:\d+ \(OpenClaw [\d.]+\)$/);
    await openDashboard(page, attach.dashboardUrl);
    const banner = page.getByTestId('attach-banner');
    await expect(banner).toHaveAttribute('data-attach-status', 'connected');
    await expect(banner).toContainText(`Attached to the OpenClaw gateway at ${oc.url}`);
    await expect(banner).toContainText('Loopgate’s own policy does not apply');

    // A device paired on that gateway as an operator asks for the node role: OpenClaw holds it for approval.
    const id = createIdentity();
    const asOperator = await connectDevice(oc.url, id, { token: oc.token, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli', displayName: 'build agent', deviceFamily: 'Linux' });
    expect(asOperator.res.ok, JSON.stringify(asOperator.res.error)).toBe(true);
    asOperator.socket.close();
    const asNode = () => connectDevice(oc.url, id, { token: oc.token, role: 'node', scopes: [], clientId: 'node-host', clientMode: 'node', displayName: 'build agent', deviceFamily: 'Linux' });
    const ask = await asNode();
    expect(ask.res.error?.details?.reason).toBe('role-upgrade');
    const requestId = ask.res.error!.details.requestId as string;
    ask.socket.close();

    await goTo(page, 'requests');
    const card = page.locator(`[data-request-id="${requestId}"]`);
    await expect(card).toBeVisible();
    await expect(card).toContainText('+ role node');
    await expect(card.getByText('role operator', { exact: true })).toBeVisible();
    await card.getByRole('button', { name: /^Approve/ }).click();
    await expect(card).toHaveCount(0);

    // Paired on that gateway: the node connect now succeeds there.
    const approved = await asNode();
    expect(approved.res.ok, JSON.stringify(approved.res.error)).toBe(true);
    expect(approved.res.payload.auth.role).toBe('node');
    approved.socket.close();

    // A command waits on that gateway for approval: Loopgate is its approval client, so the Approvals view shows it.
    const agent = await approvalRequester(oc.url, oc.token);
    try {
      const asked = await askApproval(agent, echoParams({ command: 'ls -la', commandArgv: ['ls', '-la'], timeoutMs: 120_000 }), 60_000);
      await goTo(page, 'approvals');
      const waiting = page.locator(`[data-approval-id="${asked.id}"]`);
      await expect(waiting).toContainText('ls -la');
      await expect(waiting.getByTestId('approval-requester')).toContainText(`OpenClaw gateway at 127.0.0.1:${oc.port}`);
      await expect(waiting.getByRole('button', { name: 'Allow for 30 minutes' })).toHaveCount(0);
      await waiting.getByRole('button', { name: 'Allow once' }).click();
      expect((await asked.final).payload.decision).toBe('allow-once');
      await expect(waiting).toHaveCount(0);
    } finally {
      agent.close();
    }

    // That gateway restarts: the window says so, and Loopgate is attached again once it is back.
    await oc.stop();
    await expect(banner).toHaveAttribute('data-attach-status', 'reconnecting', { timeout: 15_000 });
    await expect(banner).toContainText(`Cannot reach the OpenClaw gateway at ${oc.url}`);
    await oc.start();
    await expect(banner).toHaveAttribute('data-attach-status', 'connected', { timeout: 30_000 });
    await goTo(page, 'devices');
    await expect(page.locator(`[data-device-id="${id.deviceId}"]`)).toBeVisible();
  } finally {
    await attach?.stop();
    await oc.dispose();
  }
});
