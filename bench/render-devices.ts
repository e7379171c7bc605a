// The Devices view with 10,000 paired devices in Chromium: from navigation start to the view showing the count
// and its first rows (the renderer's own performance marks). Spec §9: ≤ 1 s.
// Run alone with `node --import tsx bench/render-devices.ts`, or from bench/run.ts through runRenderBench().
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { ROOT, rendererIsStale, startGateway } from '../e2e/gateway-process';

const DEVICE_COUNT = 10_000;
const LIMIT_MS = 1000;
const RUNS = 3;
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

const NAMES = ['claude-code', 'research sub-agent', 'build bot', 'jupyter kernel', 'openclaw node', 'ci runner', 'home-assistant', 'notebook', 'tui', 'watcher'];
const SCOPE_SETS = [['operator.read'], ['operator.read', 'operator.write'], ['operator.admin'], ['operator.approvals', 'operator.read'], ['operator.pairing', 'operator.read']];

/** Write `<home>/pairing.json` (store format v2) with `count` paired devices. Folder 0700, file 0600. */
export function seedPairingStore(home: string, count: number): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const now = Date.now();
  const devices: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const key = randomBytes(32);
    const deviceId = createHash('sha256').update(key).digest('hex');
    const scopes = SCOPE_SETS[i % SCOPE_SETS.length]!;
    const node = i % 17 === 0;
    const createdAtMs = now - (i % 1000) * 3_600_000 - 86_400_000;
    devices[deviceId] = {
      deviceId,
      publicKey: key.toString('base64url'),
      displayName: `${NAMES[i % NAMES.length]} ${i}`,
      platform: i % 3 === 0 ? 'darwin' : 'linux',
      clientId: node ? 'node-host' : 'cli',
      clientMode: node ? 'node' : 'cli',
      role: 'operator',
      roles: node ? ['node', 'operator'] : ['operator'],
      scopes,
      approvedScopes: scopes,
      ...(i % 29 === 0 ? { remoteIp: `192.168.${(i >> 8) & 255}.${i & 255}` } : {}),
      createdAtMs,
      approvedAtMs: createdAtMs + 1000,
      approvedVia: i % 2 ? 'silent' : 'owner',
      lastSeenAtMs: now - (i % 5000) * 60_000,
      lastSeenReason: 'connect',
      tokens: {
        operator: { hash: randomBytes(32).toString('hex'), role: 'operator', scopes, createdAtMs, ...(i % 41 === 0 ? { revokedAtMs: now - 1000 } : {}) },
        ...(node ? { node: { hash: randomBytes(32).toString('hex'), role: 'node', scopes: [], createdAtMs } } : {}),
      },
    };
  }
  const file = { version: 2, generation: 1, updatedAtMs: now, devices };
  writeFileSync(join(home, 'pairing.json'), JSON.stringify(file), { mode: 0o600 });
}

export interface RenderBenchResult {
  /** Median over the runs: navigation start → the 10,000-device view painted with its first rows. */
  ms: number;
  runs: Array<{ rendered: number; painted: number; visible: number }>;
}

export async function runRenderBench(opts: { runs?: number; log?: (line: string) => void } = {}): Promise<RenderBenchResult> {
  const log = opts.log ?? (() => {});
  if (rendererIsStale()) {
    log('renderer sources changed since the last build: rebuilding dist/renderer');
    await build({ configFile: join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
  const home = mkdtempSync(join(tmpdir(), 'loopgate-render-bench-'));
  seedPairingStore(home, DEVICE_COUNT);
  const gw = await startGateway({ home, readyTimeoutMs: 20_000 });
  const browser = await chromium.launch({
    ...(existsSync(SYSTEM_CHROMIUM) ? { executablePath: SYSTEM_CHROMIUM } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const runs: RenderBenchResult['runs'] = [];
  try {
    for (let i = 0; i < (opts.runs ?? RUNS); i++) {
      const link = i === 0 ? gw.dashboardUrl : await gw.freshDashboardUrl();
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(link);
      await page.getByTestId('device-count').filter({ hasText: `${DEVICE_COUNT.toLocaleString('en-US')} paired devices` }).waitFor({ timeout: 15_000 });
      await page.locator('.device-row').first().waitFor({ state: 'visible' });
      const visible = await page.evaluate<number>('performance.now()');
      await page.waitForFunction(() => performance.getEntriesByName('devices-painted').length > 0, undefined, { timeout: 5000 });
      const marks = await page.evaluate<{ rendered: number; painted: number; count: number; rows: number }>(`(() => {
        const r = performance.getEntriesByName('devices-rendered')[0];
        const p = performance.getEntriesByName('devices-painted')[0];
        return { rendered: r ? r.startTime : -1, painted: p ? p.startTime : -1, count: r && r.detail ? r.detail.count : 0, rows: document.querySelectorAll('.device-row').length };
      })()`);
      if (marks.count !== DEVICE_COUNT) throw new Error(`the view rendered ${marks.count} devices, expected ${DEVICE_COUNT}`);
      log(`run ${i + 1}: rendered ${marks.rendered.toFixed(0)} ms, painted ${marks.painted.toFixed(0)} ms, seen by the test ${visible.toFixed(0)} ms (${marks.rows} rows in the DOM)`);
      runs.push({ rendered: marks.rendered, painted: marks.painted, visible });
      await context.close();
    }
  } finally {
    await browser.close();
    await gw.stop();
    rmSync(home, { recursive: true, force: true });
  }
  const painted = runs.map((r) => r.painted).sort((a, b) => a - b);
  return { ms: painted[Math.floor(painted.length / 2)]!, runs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runRenderBench({ log: (l) => console.error(l) }).then(
    (r) => {
      console.log(JSON.stringify({ name: 'devices-view-10k', ms: Math.round(r.ms), limitMs: LIMIT_MS, runs: r.runs.map((x) => Math.round(x.painted)) }));
      process.exit(r.ms <= LIMIT_MS ? 0 : 1);
    },
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
