// e2e: the real headless gateway, real WebSocket device clients, the built renderer in Chromium.
import { defineConfig } from '@playwright/test';
import { findPlaywrightBrowser, findSystemBrowser } from '../scripts/ensure-browser.mjs';

// `npm test` finds (or installs) the browser first and passes it in LOOPGATE_BROWSER (scripts/ensure-browser.mjs);
// a focused `npx playwright test` looks for one already on the machine, in the same order.
const BROWSER = process.env.LOOPGATE_BROWSER || findPlaywrightBrowser() || findSystemBrowser();

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 2,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: 'list',
  outputDir: '../test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    trace: 'retain-on-failure',
    launchOptions: {
      ...(BROWSER ? { executablePath: BROWSER } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
});
