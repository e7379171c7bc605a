// The window against a real headless gateway, driven by real WebSocket device clients (Ed25519, signed connects).
import { createServer, request as httpRequest, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createIdentity, connectDevice, type DeviceIdentity } from '../electron/testing/device-client';
import { test, expect, goTo, openDashboard, type RunningGateway } from './gateway-fixture';
import { ROOT, startGateway } from './gateway-process';

/** A local device (no Origin, gateway token) connects as an operator with these scopes; must succeed. */
async function localOperator(gw: RunningGateway, id: DeviceIdentity, scopes: string[], displayName = 'e2e agent') {
  const r = await connectDevice(gw.wsUrl, id, { token: gw.token, scopes, displayName, clientId: 'cli', clientMode: 'cli' });
  expect(r.res.ok, JSON.stringify(r.res.error)).toBe(true);
  return r;
}

/** The same device asks for the node role: a role upgrade, which always needs the user. */
async function asNode(gw: RunningGateway, id: DeviceIdentity) {
  return connectDevice(gw.wsUrl, id, { token: gw.token, role: 'node', scopes: [], clientId: 'node-host', clientMode: 'node' });
}

test('the one-time link is taken out of the address bar, kept only for the tab, and cannot be used twice', async ({ page, gateway, browser }) => {
  const credential = gateway.dashboardUrl.split('#')[1]!;
  await openDashboard(page, gateway.dashboardUrl);
  expect(page.url()).toBe(`${gateway.origin}/`);
  const stored = await page.evaluate<{ session: string | null; local: string }>('({ session: sessionStorage.getItem("loopgate.session"), local: JSON.stringify({ ...localStorage }) })');
  expect(stored.session).toBeTruthy();
  expect(stored.session).not.toBe(credential);
  expect(stored.local).not.toContain(credential);
  expect(stored.local).not.toContain(stored.session!);

  // A reload reconnects with the tab's session credential.
  await page.reload();
  await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toBeVisible();

  // The same link in another browser context is refused: it was single-use.
  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(gateway.dashboardUrl);
  await expect(p2.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();
  await expect(p2.getByText('for a fresh link')).toContainText('loopgate dashboard');
  await expect(p2.getByText('Its session ends about 2 minutes after its last tab closes')).toBeVisible();
  await expect(p2.getByText('forgets it when the tab closes')).toHaveCount(0);
  await other.close();

  // No credential at all: a clear screen, not a broken page.
  const bare = await browser.newContext();
  const p3 = await bare.newPage();
  await p3.goto(`${gateway.origin}/`);
  await expect(p3.getByRole('heading', { name: 'Open your dashboard link' })).toBeVisible();
  await bare.close();
});

test('a local scope upgrade is approved silently: it shows in Activity as silent and raises no request', async ({ dashboard: page, gateway }) => {
  await goTo(page, 'activity');
  const id = createIdentity();
  const first = await localOperator(gateway, id, ['operator.read']);
  first.socket.close();
  await first.socket.closed;
  const second = await localOperator(gateway, id, ['operator.admin']);
  expect(second.res.payload.auth.scopes).toContain('operator.admin');

  const silentUpgrade = page.locator('[data-testid="audit-entry"][data-decision="approved"][data-silent="true"]').filter({ hasText: 'operator.admin' });
  await expect(silentUpgrade).toHaveCount(1);
  await expect(silentUpgrade.getByText('silent', { exact: true })).toBeVisible();
  await expect(silentUpgrade).toContainText('More scopes');

  await goTo(page, 'requests');
  await expect(page.getByRole('heading', { name: 'No pending requests' })).toBeVisible();
  await expect(page.getByTestId('request-card')).toHaveCount(0);
  await expect(page.getByTestId('nav-requests')).toHaveAccessibleName('Requests, 0 pending');
  const admin = await gateway.admin();
  expect((await admin.call('device.pair.list', {})).pending).toEqual([]);
  second.socket.close();
});

test('a role upgrade appears in Requests within a second; Approve lets the next connect succeed', async ({ dashboard: page, gateway }) => {
  await goTo(page, 'requests');
  const id = createIdentity();
  (await localOperator(gateway, id, ['operator.read'], 'node host')).socket.close();

  const ask = await asNode(gateway, id);
  expect(ask.res.ok).toBe(false);
  expect(ask.res.error?.code).toBe('NOT_PAIRED');
  expect(ask.res.error?.details?.code).toBe('PAIRING_REQUIRED');
  const requestId = ask.res.error?.details?.requestId as string;
  expect((await ask.socket.closed).code).toBe(1008);

  const card = page.locator(`[data-request-id="${requestId}"]`);
  await expect(card).toBeVisible({ timeout: 1000 });
  // What is asked, as a diff against what is held; where from; when it lapses.
  await expect(card).toContainText('+ role node');
  await expect(card.getByText('role operator', { exact: true })).toBeVisible();
  await expect(card).toContainText(id.deviceId.slice(0, 4));
  await expect(card).toContainText('127.0.0.1');
  await expect(card).toContainText('Expires in');
  await expect(card.getByText('node host')).toBeVisible();
  await expect(card.getByRole('button', { name: 'Approve request from node host (reported)' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Deny request from node host (reported)' })).toBeVisible();
  await expect(card.getByText('reported').first()).toBeVisible();
  await expect(page.getByTestId('nav-requests')).toHaveAccessibleName('Requests, 1 pending');

  // Approve is not a default action: focus is not on it and nothing is submitted by Enter.
  await expect(card.getByRole('button', { name: /^Approve/ })).not.toBeFocused();
  await card.getByRole('button', { name: /^Approve/ }).click();
  await expect(card).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'No pending requests' })).toBeVisible();

  const next = await asNode(gateway, id);
  expect(next.res.ok, JSON.stringify(next.res.error)).toBe(true);
  expect(next.res.payload.auth.role).toBe('node');
  next.socket.close();

  await goTo(page, 'activity');
  await expect(page.locator('[data-testid="audit-entry"][data-decision="approved"][data-silent="false"]').filter({ hasText: 'role node' })).toHaveCount(1);
});

test('Deny makes the device\'s next connect fail', async ({ dashboard: page, gateway }) => {
  await goTo(page, 'requests');
  const id = createIdentity();
  (await localOperator(gateway, id, ['operator.read'])).socket.close();
  const ask = await asNode(gateway, id);
  expect(ask.res.ok).toBe(false);
  const requestId = ask.res.error?.details?.requestId as string;
  const card = page.locator(`[data-request-id="${requestId}"]`);
  await expect(card).toBeVisible({ timeout: 1000 });
  await card.getByRole('button', { name: /^Deny/ }).click();
  await expect(card).toHaveCount(0);

  const next = await asNode(gateway, id);
  expect(next.res.ok).toBe(false);
  expect(next.res.error?.code).toBe('NOT_PAIRED');
  expect(['PAIRING_REJECTED', 'PAIRING_REQUIRED']).toContain(next.res.error?.details?.code);
  await next.socket.closed;
  // The device still holds only what it had.
  const admin = await gateway.admin();
  const dev = (await admin.call('device.pair.list', {})).paired.find((d: { deviceId: string }) => d.deviceId === id.deviceId);
  expect(dev.roles).toEqual(['operator']);
});

test.describe('expiry', () => {
  test.use({ gatewayEnv: { LOOPGATE_PENDING_TTL_MS: '1500' } });

  test('a request that expires disappears from Requests by itself', async ({ dashboard: page, gateway }) => {
    await goTo(page, 'requests');
    const admin = await gateway.admin();
    const id = createIdentity();
    (await localOperator(gateway, id, ['operator.read'])).socket.close();
    const ask = await asNode(gateway, id);
    const requestId = ask.res.error?.details?.requestId as string;
    expect(requestId).toBeTruthy();
    const pending = (await admin.call('device.pair.list', {})).pending as Array<{ requestId: string; createdAtMs: number; expiresAtMs: number }>;
    const req = pending.find((r) => r.requestId === requestId)!;
    const ttlMs = req.expiresAtMs - req.createdAtMs;
    expect(ttlMs).toBeLessThanOrEqual(1500);
    const card = page.locator(`[data-request-id="${requestId}"]`);
    await expect(card).toBeVisible({ timeout: 1000 });

    await expect(card).toHaveCount(0, { timeout: 4000 });
    await expect(page.getByRole('heading', { name: 'No pending requests' })).toBeVisible();
    expect((await admin.call('device.pair.list', {})).pending).toEqual([]);
    await goTo(page, 'activity');
    await expect(page.locator('[data-testid="audit-entry"][data-decision="expired"]')).toHaveCount(1);
  });
});

test('revoking a device token in Device detail disconnects the device', async ({ dashboard: page, gateway }) => {
  const id = createIdentity();
  const live = await localOperator(gateway, id, ['operator.read'], 'revocable agent');
  await goTo(page, 'devices');
  const row = page.getByRole('row').filter({ hasText: 'revocable agent' });
  await expect(row).toContainText('Connected');
  await row.getByRole('button', { name: /revocable agent/ }).click();
  await expect(page.getByRole('heading', { name: /revocable agent/ })).toBeVisible();

  const tokenRow = page.getByTestId('token-operator');
  await tokenRow.getByRole('button', { name: 'Revoke the operator token' }).click();
  // A destructive action asks once, in the page; Cancel takes the focus.
  await expect(tokenRow.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await tokenRow.getByRole('button', { name: 'Revoke token' }).click();

  const closed = await Promise.race([live.socket.closed, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
  expect(closed, 'the device socket was closed by the gateway').not.toBeNull();
  await expect(tokenRow.getByText('Revoked')).toBeVisible();
  await expect(tokenRow.getByRole('button', { name: 'Rotate the operator token' })).toBeFocused();
  await expect(page.getByText('Offline').first()).toBeVisible();
});

test('removing a device asks once, then forgets it', async ({ dashboard: page, gateway }) => {
  const id = createIdentity();
  (await localOperator(gateway, id, ['operator.read'], 'short-lived agent')).socket.close();
  await goTo(page, 'devices');
  await page.getByRole('button', { name: /short-lived agent/ }).click();
  await page.getByRole('button', { name: 'Remove short-lived agent' }).click();
  await page.getByRole('button', { name: 'Remove device', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Devices' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Devices' })).toBeFocused();
  await expect(page.getByTestId('device-count')).toContainText('0 paired devices');
  const admin = await gateway.admin();
  expect((await admin.call('device.pair.list', {})).paired).toEqual([]);
});

test('Devices: search and filters narrow the list', async ({ dashboard: page, gateway }) => {
  const a = createIdentity();
  const b = createIdentity();
  const keep = await localOperator(gateway, a, ['operator.admin'], 'alpha agent');
  (await localOperator(gateway, b, ['operator.read'], 'beta agent')).socket.close();
  await goTo(page, 'devices');
  await expect(page.getByTestId('device-count')).toContainText('2 paired devices');
  await page.getByRole('searchbox', { name: /Search devices/ }).fill('beta');
  await expect(page.getByTestId('device-count')).toContainText('1 of 2 devices');
  await expect(page.getByRole('row').filter({ hasText: 'beta agent' })).toBeVisible();
  await page.getByRole('searchbox', { name: /Search devices/ }).fill(a.deviceId.slice(0, 10));
  await expect(page.getByRole('row').filter({ hasText: 'alpha agent' })).toBeVisible();
  await page.getByRole('searchbox', { name: /Search devices/ }).fill('');
  await page.getByRole('combobox', { name: 'Filter by connection' }).selectOption('connected');
  await expect(page.getByTestId('device-count')).toContainText('1 of 2 devices');
  // alpha is connected and holds operator.admin, which implies operator.read.
  await page.getByRole('combobox', { name: 'Filter by scope' }).selectOption('operator.read');
  await expect(page.getByTestId('device-count')).toContainText('1 of 2 devices');
  await page.getByRole('combobox', { name: 'Filter by connection' }).selectOption('offline');
  await expect(page.getByTestId('device-count')).toContainText('1 of 2 devices');
  await expect(page.getByRole('row').filter({ hasText: 'beta agent' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Filter by scope' }).selectOption('operator.write');
  await expect(page.getByTestId('device-count')).toContainText('0 of 2 devices');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('combobox', { name: 'Filter by location' }).selectOption('remote');
  await expect(page.getByTestId('device-count')).toContainText('0 of 2 devices');
  keep.socket.close();
});

test('when the gateway goes away the page says so and keeps retrying', async ({ dashboard: page, gateway }) => {
  await gateway.stop();
  await expect(page.getByText('Gateway unreachable — retrying')).toBeVisible({ timeout: 5000 });
  await expect(page.getByRole('status', { name: 'Gateway unreachable' })).toBeVisible();
});

test.describe('another origin', () => {
  let server: Server;
  let otherOrigin: string;

  test.beforeAll(async () => {
    const root = join(ROOT, 'dist', 'renderer');
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const file = normalize(join(root, path === '/' ? 'index.html' : path));
      if (!file.startsWith(root)) { res.writeHead(404).end(); return; }
      readFile(file).then((body) => res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body), () => res.writeHead(404).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    otherOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  test.afterAll(async () => { await new Promise((r) => server.close(r)); });

  test('a page from another origin cannot connect to the gateway (403 before the upgrade)', async ({ page, gateway }) => {
    // The same built page, served from another local port, holding a valid one-time credential.
    await page.goto(`${otherOrigin}/`);
    const credential = gateway.dashboardUrl.split('#')[1]!;
    const outcome = await page.evaluate(async ({ url, credential }) => new Promise<{ opened: boolean; code: number; frames: number }>((resolve) => {
      let opened = false;
      let frames = 0;
      const ws = new WebSocket(url);
      ws.onopen = () => { opened = true; };
      ws.onmessage = (ev) => {
        frames += 1;
        const f = JSON.parse(String(ev.data));
        if (f.event === 'connect.challenge') {
          ws.send(JSON.stringify({ type: 'req', id: '1', method: 'connect', params: { minProtocol: 3, maxProtocol: 4, client: { id: 'loopgate-ui', version: '0.1.0', platform: 'web', mode: 'ui' }, role: 'operator', scopes: ['operator.admin'], auth: { token: credential } } }));
        }
      };
      ws.onclose = (ev) => resolve({ opened, code: ev.code, frames });
      setTimeout(() => resolve({ opened, code: -1, frames }), 5000);
    }), { url: gateway.wsUrl, credential });
    expect(outcome.opened).toBe(false);
    expect(outcome.frames).toBe(0);
    expect(outcome.code).toBe(1006);

    // The same refusal, seen on the wire: a plain HTTP 403 answer to the upgrade.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1', port: gateway.port, path: '/',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: otherOrigin },
      });
      req.on('response', (res) => { resolve(res.statusCode ?? 0); res.resume(); });
      req.on('upgrade', (_res, socket) => { socket.destroy(); resolve(101); });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);

    // The gateway's own origin is accepted (control).
    const own = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1', port: gateway.port, path: '/',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: gateway.origin },
      });
      req.on('response', (res) => { resolve(res.statusCode ?? 0); res.resume(); });
      req.on('upgrade', (_res, socket) => { socket.destroy(); resolve(101); });
      req.on('error', reject);
      req.end();
    });
    expect(own).toBe(101);

    // The credential was never spent: the real dashboard can still use it.
    await openDashboard(page, gateway.dashboardUrl);
  });
});

test('a quarantined pairing store shows a persistent red banner with where the file went', async ({ page }) => {
  const home = mkdtempSync(join(tmpdir(), 'loopgate-e2e-corrupt-'));
  writeFileSync(join(home, 'pairing.json'), '{"version":2,"generation":1,', { mode: 0o600 });
  const gw = await startGateway({ home });
  try {
    await openDashboard(page, gw.dashboardUrl);
    const banner = page.getByTestId('quarantine-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toHaveAttribute('role', 'alert');
    await expect(banner).toContainText('The pairing store is quarantined');
    await expect(banner).toContainText(join(home, 'pairing.json.corrupt'));
    await goTo(page, 'settings');
    await expect(banner).toBeVisible();
  } finally {
    await gw.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('keyboard and names: every control is named, Tab reaches the navigation, the theme toggles', async ({ dashboard: page, gateway }) => {
  const id = createIdentity();
  (await localOperator(gateway, id, ['operator.read'], 'keyboard agent')).socket.close();
  (await asNode(gateway, id)).socket.close();

  for (const view of ['devices', 'requests', 'activity', 'settings'] as const) {
    await goTo(page, view);
    const controls = page.locator('button, input, select, [role="switch"], [role="radio"], a[href]');
    await expect(controls.first()).toBeVisible();
    for (const control of await controls.all()) {
      if (!(await control.isVisible())) continue;
      await expect(control, `a control in ${view} has no accessible name`).toHaveAccessibleName(/\S/);
    }
  }

  // From the top of the page, Tab walks into the sidebar navigation, with a visible focus ring.
  await page.reload(); // the tab's session reconnects; focus starts at the top of the document
  await expect(page.getByRole('status', { name: 'Connected to the gateway' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('nav-devices')).toBeFocused();
  const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
  expect(outline).not.toBe('none');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('nav-requests')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('nav-requests')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('request-card')).toHaveCount(1);

  // Light / dark toggle, remembered for the next visit (not a secret).
  const toggle = page.getByRole('button', { name: /Switch to (dark|light) theme/ });
  const before = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
  await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', /^(light|dark)$/);
  expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).not.toBe(before);
  expect(await page.evaluate<string | null>('localStorage.getItem("loopgate.theme")')).toMatch(/^(light|dark)$/);
});

test('Device detail: narrowing scopes cuts the device down; rotating shows the new token once', async ({ dashboard: page, gateway }) => {
  const id = createIdentity();
  (await localOperator(gateway, id, ['operator.read', 'operator.write'], 'narrow me')).socket.close();
  await goTo(page, 'devices');
  await page.getByRole('button', { name: /narrow me/ }).click();
  await expect(page.getByRole('heading', { name: /narrow me/ })).toBeVisible();

  const scopes = page.getByRole('group', { name: 'Operator scopes' });
  await scopes.getByRole('checkbox', { name: 'operator.write' }).uncheck();
  // Narrowing takes scopes away: it asks once, Cancel takes the focus, and nothing changes until confirmed.
  await page.getByRole('button', { name: 'Save scopes' }).click();
  await expect(scopes.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expect(scopes.getByRole('group')).toContainText('Take away operator.write?');
  const admin = await gateway.admin();
  const before = (await admin.call('device.pair.list', {})).paired.find((d: { deviceId: string }) => d.deviceId === id.deviceId);
  expect(before.approvedScopes).toEqual(['operator.read', 'operator.write']);
  await scopes.getByRole('button', { name: 'Narrow scopes', exact: true }).click();
  await expect(scopes.getByRole('checkbox')).toHaveCount(1);
  await expect(page.getByRole('heading', { name: 'Access' })).toBeFocused();
  const dev = (await admin.call('device.pair.list', {})).paired.find((d: { deviceId: string }) => d.deviceId === id.deviceId);
  expect(dev.approvedScopes).toEqual(['operator.read']);
  // The device can no longer get operator.write on its own... but operator.read still connects.
  const back = await localOperator(gateway, id, ['operator.read']);
  back.socket.close();

  const tokenRow = page.getByTestId('token-operator');
  await tokenRow.getByRole('button', { name: 'Rotate the operator token' }).click();
  await tokenRow.getByRole('button', { name: 'Rotate token' }).click();
  const shown = page.getByTestId('rotated-token');
  await expect(shown).toBeVisible();
  const token = (await shown.textContent())!.trim();
  expect(token.length).toBeGreaterThan(20);
  // The shown token is the device's new token: it authenticates the device.
  const withToken = await connectDevice(gateway.wsUrl, id, { deviceToken: token, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
  expect(withToken.res.ok, JSON.stringify(withToken.res.error)).toBe(true);
  withToken.socket.close();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(shown).toHaveCount(0);
});

test('Settings: policy switches and the gateway token go through the gateway', async ({ dashboard: page, gateway }) => {
  await goTo(page, 'settings');
  const admin = await gateway.admin();
  const config = async () => (await admin.call('config.get', {})).config;

  await page.getByRole('switch', { name: 'Pause pairing' }).check();
  await expect.poll(async () => (await config()).pairingPaused).toBe(true);
  await expect(page.getByText('Pairing is paused.')).toBeVisible();
  await page.getByRole('button', { name: 'Resume pairing' }).click();
  await expect.poll(async () => (await config()).pairingPaused).toBe(false);

  await page.getByRole('switch', { name: 'Limit what silent approval may grant' }).check();
  await page.getByRole('group', { name: 'Silently grantable scopes' }).getByRole('checkbox', { name: 'operator.admin' }).check();
  await page.getByRole('button', { name: 'Save limit' }).click();
  await expect.poll(async () => (await config()).silentApproval.ceiling).toEqual(['operator.admin', 'operator.approvals', 'operator.read', 'operator.write']);

  await page.getByRole('switch', { name: 'Approve local devices silently' }).uncheck();
  await expect.poll(async () => (await config()).silentApproval.enabled).toBe(false);

  await page.getByRole('textbox', { name: 'Gateway port' }).fill('18800');
  await page.getByRole('button', { name: 'Save port' }).click();
  await expect.poll(async () => (await config()).port).toBe(18800);

  // The token is masked until asked for; rotating asks once and shows the new one.
  await expect(page.getByTestId('gateway-token')).not.toContainText(gateway.token);
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByTestId('gateway-token')).toHaveText(gateway.token);
  await page.getByRole('button', { name: 'Rotate the gateway token' }).click();
  await page.getByRole('button', { name: 'Rotate token' }).click();
  await expect(page.getByTestId('gateway-token')).toHaveText(/^[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId('gateway-token')).not.toHaveText(gateway.token);
  const rotated = (await page.getByTestId('gateway-token').textContent())!.trim();
  // The session opened with the old token is over; a new one reads the same token the window shows.
  expect((await admin.closed).reason).toBe('gateway token rotated');
  const current = (await (await gateway.admin()).call('loopgate.gateway.token.get', {})).token;
  expect(rotated).toBe(current);
});
