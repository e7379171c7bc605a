// Starts a real headless gateway (`loopgate gateway`) in a child process on a free port with its own data folder,
// and reads what it prints: the WebSocket URL and the one-time dashboard link. Used by the e2e tests and the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDevice, type TestSocket } from '../electron/testing/device-client';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface RunningGateway {
  port: number;
  /** ws://127.0.0.1:PORT/ */
  wsUrl: string;
  /** http://127.0.0.1:PORT (the gateway's own origin) */
  origin: string;
  /** The one-time link printed at start: http://127.0.0.1:PORT/#<credential>. */
  dashboardUrl: string;
  home: string;
  /** The shared gateway token (`<home>/gateway-token`): what a local CLI proves it runs as the user with. */
  token: string;
  output: string[];
  /** A device-less operator.admin client authenticated with the gateway token, for arranging and checking state. */
  admin(): Promise<TestSocket>;
  /** Ask the running gateway for another one-time dashboard link. */
  freshDashboardUrl(): Promise<string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Use this data folder (kept after stop); otherwise a fresh temporary one (removed after stop). */
  home?: string;
  readyTimeoutMs?: number;
}

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli.mjs'))) throw new Error('dist/cli.mjs is missing: run `npm run build` first');
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) throw new Error('dist/renderer is missing: run `npm run build` first');
}

/** True when a renderer source file is newer than the built dist/renderer/index.html. */
export function rendererIsStale(): boolean {
  const built = join(ROOT, 'dist', 'renderer', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newest = (dir: string): number => {
    let max = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return max;
  };
  const sources = Math.max(newest(join(ROOT, 'renderer', 'src')), statSync(join(ROOT, 'renderer', 'index.html')).mtimeMs);
  return sources > builtAt;
}

export async function startGateway(opts: StartOptions = {}): Promise<RunningGateway> {
  assertBuilt();
  const ownHome = !opts.home;
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'loopgate-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'loopgate.mjs'), 'gateway', '--port', '0', '--home', home], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let exited = false;
  const exit = new Promise<void>((res) => child.once('exit', () => { exited = true; res(); }));

  const ready = new Promise<{ port: number; dashboardUrl: string }>((res, rej) => {
    let port = 0;
    let dashboardUrl = '';
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`gateway not ready after ${opts.readyTimeoutMs ?? 10_000} ms:\n${output.join('\n')}`)), opts.readyTimeoutMs ?? 10_000);
    const onLine = (line: string) => {
      output.push(line);
      const listen = /Loopgate gateway listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (listen) port = Number(listen[1]);
      const link = /(http:\/\/127\.0\.0\.1:\d+\/#\S+)/.exec(line);
      if (link) dashboardUrl = link[1]!;
      if (port && dashboardUrl) { clearTimeout(timer); res({ port, dashboardUrl }); }
    };
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean).map((l) => `[stderr] ${l}`)));
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`gateway exited (${code}) before it was ready:\n${output.join('\n')}`)); });
  });

  let started: { port: number; dashboardUrl: string };
  try {
    started = await ready;
  } catch (err) {
    child.kill('SIGKILL');
    if (ownHome) rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const { port, dashboardUrl } = started;
  const wsUrl = `ws://127.0.0.1:${port}/`;
  const token = readFileSync(join(home, 'gateway-token'), 'utf8').trim();
  const admins: TestSocket[] = [];

  const admin = async (): Promise<TestSocket> => {
    // The token as it is now: a rotation from the window replaces it (and closes sessions opened with the old one).
    const current = readFileSync(join(home, 'gateway-token'), 'utf8').trim();
    const { socket, res } = await connectDevice(wsUrl, null, { token: current, scopes: ['operator.admin'], noDevice: true, clientId: 'cli', clientMode: 'cli' });
    if (!res.ok) throw new Error(`admin connect failed: ${res.error?.code} ${res.error?.message}`);
    admins.push(socket);
    return socket;
  };

  return {
    port, wsUrl, origin: `http://127.0.0.1:${port}`, dashboardUrl, home, token, output, admin,
    async freshDashboardUrl() {
      const a = await admin();
      const { url } = (await a.call('loopgate.dashboard.link', {})) as { url: string };
      a.close();
      return url;
    },
    async stop() {
      for (const a of admins) a.close();
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exit;
        clearTimeout(t);
      }
      if (ownHome) rmSync(home, { recursive: true, force: true });
    },
  };
}
