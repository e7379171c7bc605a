// The Approvals view with 1,000 waiting exec approvals in Chromium (spec §12: it stays responsive): from
// navigation start to the view painted with its first cards, and from Escape on the focused request to the next
// one holding the focus, over several answers. Real gateway, real requesting clients.
// Run alone with `node --import tsx bench/render-approvals.ts`, or from bench/run.ts through runApprovalsRenderBench().
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { connectDevice, type TestSocket } from '../electron/testing/device-client';
import { ROOT, rendererIsStale, startGateway } from '../e2e/gateway-process';

const PENDING = 1000;
/** The gateway caps what one client may hold: the requests are spread over several clients. */
const CLIENTS = 5;
const ANSWERS = 15;
const SYSTEM_CHROMIUM = '/usr/bin/chromium';
export const APPROVALS_PAINT_LIMIT_MS = 1000;
export const APPROVALS_ANSWER_LIMIT_MS = 100;

/** The little of the page's DOM the measurement reads. */
interface PageElement {
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
}
interface PageGlobals {
  document: { activeElement: PageElement | null };
}

export interface ApprovalsRenderResult {
  /** Navigation start → the view painted with 1,000 waiting. */
  paintedMs: number;
  /** Median: Escape on the focused request → the next request's Deny focused. */
  answerMedianMs: number;
  domCards: number;
}

async function askMany(wsUrl: string, token: string, count: number): Promise<TestSocket[]> {
  const per = Math.ceil(count / CLIENTS);
  const sockets: TestSocket[] = [];
  for (let k = 0; k < CLIENTS; k++) {
    const { socket, res } = await connectDevice(wsUrl, null, { token, scopes: ['operator.approvals'], noDevice: true, clientId: 'gateway-client', clientMode: 'backend' });
    if (!res.ok) throw new Error(`requester connect failed: ${res.error?.message}`);
    sockets.push(socket);
    let last = '';
    for (let i = 0; i < per && k * per + i < count; i++) {
      const id = randomUUID();
      last = `b-${id}`;
      socket.send({ type: 'req', id: last, method: 'exec.approval.request', params: { id, command: `echo ${k}-${i}`, commandArgv: ['echo', `${k}-${i}`], cwd: '/tmp', host: 'gateway', agentId: 'main', timeoutMs: 600_000, twoPhase: true } });
    }
    const first = await socket.next((f) => f.type === 'res' && f.id === last, 30_000);
    if (!first.ok) throw new Error(`exec.approval.request failed: ${first.error?.message}`);
  }
  return sockets;
}

export async function runApprovalsRenderBench(opts: { log?: (line: string) => void } = {}): Promise<ApprovalsRenderResult> {
  const log = opts.log ?? (() => {});
  if (rendererIsStale()) {
    log('renderer sources changed since the last build: rebuilding dist/renderer');
    await build({ configFile: join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
  const gw = await startGateway({ readyTimeoutMs: 20_000 });
  const browser = await chromium.launch({
    ...(existsSync(SYSTEM_CHROMIUM) ? { executablePath: SYSTEM_CHROMIUM } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  let sockets: TestSocket[] = [];
  try {
    // The window must be connected first: it is the approval route the requests need.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(gw.dashboardUrl);
    await page.getByRole('status', { name: 'Connected to the gateway' }).waitFor();
    sockets = await askMany(gw.wsUrl, gw.token, PENDING);
    // A fresh page on the Approvals view, with everything already waiting.
    const link = await gw.freshDashboardUrl();
    await page.goto(link.replace('/#', '/?view=approvals#'));
    await page.waitForFunction(() => performance.getEntriesByName('approvals-painted').length > 0, undefined, { timeout: 15_000 });
    const marks = await page.evaluate<{ painted: number; count: number; cards: number }>(`(() => {
      const p = performance.getEntriesByName('approvals-painted')[0];
      return { painted: p.startTime, count: p.detail ? p.detail.count : 0, cards: document.querySelectorAll('[data-testid="approval-card"]').length };
    })()`);
    log(`painted ${marks.painted.toFixed(0)} ms with ${marks.count} waiting (${marks.cards} cards in the DOM)`);
    const times: number[] = [];
    for (let i = 0; i < ANSWERS; i++) {
      // The page's CSP forbids string evaluation, so these are functions; they reach the DOM through globalThis
      // (this file is type-checked without the DOM library).
      const focusedId = (): string => {
        const el = (globalThis as unknown as PageGlobals).document.activeElement;
        return el && el.getAttribute('data-action') === 'deny' ? el.closest('[data-approval-id]')?.getAttribute('data-approval-id') ?? '' : '';
      };
      await page.waitForFunction(focusedId, undefined, { timeout: 5000 });
      const before = await page.evaluate(focusedId);
      const t0 = Date.now();
      await page.keyboard.press('Escape');
      await page.waitForFunction((prev: string) => {
        const el = (globalThis as unknown as PageGlobals).document.activeElement;
        const id = el && el.getAttribute('data-action') === 'deny' ? el.closest('[data-approval-id]')?.getAttribute('data-approval-id') ?? '' : '';
        return id !== '' && id !== prev;
      }, before, { timeout: 5000 });
      times.push(Date.now() - t0);
    }
    times.sort((a, b) => a - b);
    const answerMedianMs = times[Math.floor(times.length / 2)]!;
    log(`answer → next request focused: median ${answerMedianMs} ms over ${ANSWERS} (${times.join(', ')})`);
    return { paintedMs: marks.painted, answerMedianMs, domCards: marks.cards };
  } finally {
    for (const s of sockets) s.close();
    await browser.close();
    await gw.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runApprovalsRenderBench({ log: (l) => console.error(l) }).then(
    (r) => {
      console.log(JSON.stringify({ name: 'approvals-view-1k', ...r }));
      process.exit(r.paintedMs <= APPROVALS_PAINT_LIMIT_MS && r.answerMedianMs <= APPROVALS_ANSWER_LIMIT_MS ? 0 : 1);
    },
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
