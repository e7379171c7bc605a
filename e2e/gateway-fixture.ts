// Playwright fixtures: a real headless gateway per test, and a page opened on its one-time dashboard link.
import { test as base, expect, type Page } from '@playwright/test';
import { startGateway, type RunningGateway } from './gateway-process';

export { expect };
export type { RunningGateway };

export interface GatewayFixtures {
  /** Extra environment for the gateway process (e.g. LOOPGATE_PENDING_TTL_MS). */
  gatewayEnv: Record<string, string>;
  gateway: RunningGateway;
  /** The dashboard, opened through the gateway's one-time link and connected. */
  dashboard: Page;
}

export const test = base.extend<GatewayFixtures>({
  gatewayEnv: [{}, { option: true }],
  gateway: async ({ gatewayEnv }, use, testInfo) => {
    const gw = await startGateway({ env: gatewayEnv });
    try {
      await use(gw);
    } finally {
      await gw.stop();
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('gateway-output', { body: gw.output.join('\n'), contentType: 'text/plain' });
    }
  },
  dashboard: async ({ page, gateway }, use) => {
    await openDashboard(page, gateway.dashboardUrl);
    await use(page);
  },
});

export async function openDashboard(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toBeVisible();
}

export async function goTo(page: Page, view: 'devices' | 'requests' | 'approvals' | 'activity' | 'settings'): Promise<void> {
  await page.getByTestId(`nav-${view}`).click();
  await expect(page.getByTestId(`nav-${view}`)).toHaveAttribute('aria-current', 'page');
}
