// The window in attach mode, against a real gateway as the upstream (Loopgate's own here, so this runs on every
// machine; the published OpenClaw gateway is exercised by openclaw-attach.spec.ts and the interop check).
import { test, expect, goTo, openDashboard } from './gateway-fixture';
import { approvalRequester, askApproval, echoParams } from '../electron/testing/exec-approval-client';
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

test('attach mode: a command waiting on that gateway is decided in the Approvals view, and goes back there', async ({ page, gateway }) => {
  const attach = await loopgateAttach(['--url', gateway.wsUrl, '--token', gateway.token]);
  const agent = await approvalRequester(gateway.wsUrl, gateway.token);
  try {
    await attach.waitFor(/^Attached to the OpenClaw gateway at /);
    await openDashboard(page, attach.dashboardUrl);
    const allowed = await askApproval(agent, echoParams({ command: 'make test', commandArgv: ['make', 'test'] }));
    const denied = await askApproval(agent, echoParams({ command: 'rm -r build', commandArgv: ['rm', '-r', 'build'] }));
    await goTo(page, 'approvals');
    const card = (id: string) => page.locator(`[data-approval-id="${id}"]`);
    await expect(card(allowed.id)).toContainText('make test');
    await expect(card(allowed.id).getByTestId('approval-requester')).toContainText(`OpenClaw gateway at 127.0.0.1:${gateway.port}`);
    // Loopgate's 30-minute grant cannot bind another gateway's runs: not offered here.
    await expect(card(allowed.id).getByRole('button', { name: 'Allow for 30 minutes' })).toHaveCount(0);
    await card(allowed.id).getByRole('button', { name: 'Allow once' }).click();
    expect((await allowed.final).payload.decision).toBe('allow-once');
    await expect(card(allowed.id)).toHaveCount(0);
    await card(denied.id).getByRole('button', { name: 'Deny' }).click();
    expect((await denied.final).payload.decision).toBe('deny');
    await expect(card(denied.id)).toHaveCount(0);
    await goTo(page, 'activity');
    await expect(page.locator('[data-testid="audit-entry"][data-kind="exec-approval"]').first()).toContainText('rm -r build');
  } finally {
    agent.close();
    await attach.stop();
  }
});
