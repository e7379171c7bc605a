// Who is asking, in the window: a pending request from a real child process shows its program and PID;
// Device detail shows the program a device was approved from and the one it last connected from.
import { chmodSync, copyFileSync, linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '../electron/testing/device-client';
import { runPeer } from '../electron/testing/peer-process';
import { test, expect, goTo } from './gateway-fixture';

test.skip(process.platform !== 'linux', 'process attribution is tested end to end on Linux');

test('a pending request from a child process shows its program, PID, path and parent in Requests', async ({ dashboard: page, gateway }) => {
  await goTo(page, 'requests');
  const id = createIdentity();
  // No credential: this request waits for the user whatever the program.
  const peer = await runPeer(gateway.wsUrl, id, { scopes: ['operator.read'], displayName: 'child agent' });
  try {
    expect(peer.result.error?.details?.code).toBe('PAIRING_REQUIRED');
    const card = page.getByTestId('request-card').filter({ hasText: 'child agent' });
    await expect(card).toBeVisible();
    await expect(card.getByTestId('program-name')).toHaveText(`node (peer-child) · PID ${peer.child.pid}`);
    await expect(card.getByTestId('program-path')).toHaveText(/\/node$/);
    await expect(card.getByTestId('program-parents')).toContainText('started by node');
    await expect(card.getByTestId('program-user')).toHaveText(/\S+/);
  } finally {
    await peer.stop();
  }
});

test('Device detail shows the program a device was approved from and the one it last connected from', async ({ dashboard: page, gateway }) => {
  const scratch = mkdtempSync(join(tmpdir(), 'loopgate-e2e-exe-'));
  chmodSync(scratch, 0o755);
  const otherNode = join(scratch, 'agent-node');
  try {
    linkSync(process.execPath, otherNode);
  } catch {
    copyFileSync(process.execPath, otherNode);
  }
  chmodSync(otherNode, 0o755);
  try {
    const id = createIdentity();
    const first = await runPeer(gateway.wsUrl, id, { token: gateway.token, scopes: ['operator.read'], displayName: 'moving agent' });
    expect(first.result.ok, JSON.stringify(first.result.error)).toBe(true);
    const deviceToken = first.result.auth!.deviceToken!;
    await first.stop();
    // Back from another executable with what it holds: it connects, and the window says the program changed.
    const moved = await runPeer(gateway.wsUrl, id, { deviceToken, scopes: ['operator.read'], displayName: 'moving agent' }, { exe: otherNode });
    expect(moved.result.ok, JSON.stringify(moved.result.error)).toBe(true);
    try {
      await goTo(page, 'devices');
      const row = page.getByRole('row').filter({ hasText: 'moving agent' });
      await row.getByRole('button', { name: /moving agent/ }).click();
      await expect(page.getByRole('heading', { name: /moving agent/ })).toBeVisible();
      await expect(page.getByTestId('detail-approved-from')).toContainText(`node (peer-child) · PID ${first.child.pid}`);
      await expect(page.getByTestId('detail-last-from')).toContainText(`agent-node · PID ${moved.child.pid}`);
      await expect(page.getByTestId('detail-last-from')).toContainText(otherNode);
      await expect(page.getByTestId('detail-program-changed')).toContainText('Not the program it was approved from');
    } finally {
      await moved.stop();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
