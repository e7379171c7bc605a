// The published OpenClaw gateway for side-by-side tests: Node 24 + openclaw from the interop folder
// ($LOOPGATE_INTEROP_DIR, default /tmp/loopgate-interop), on 127.0.0.1 only, with a scratch HOME and the settings
// and environment that keep it offline. Also `loopgate attach` as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './gateway-process';

export const INTEROP_DIR = process.env.LOOPGATE_INTEROP_DIR || join(tmpdir(), 'loopgate-interop');
const NODE24 = join(INTEROP_DIR, 'node_modules', 'node', 'bin', 'node');
const OPENCLAW = join(INTEROP_DIR, 'node_modules', 'openclaw', 'openclaw.mjs');

/** Why the real OpenClaw gateway cannot run here, or null when it can. */
export function openclawMissing(): string | null {
  if (!existsSync(NODE24)) return `no Node 24 at ${NODE24} (set LOOPGATE_INTEROP_DIR, or run npm run test:interop once to install it)`;
  if (!existsSync(OPENCLAW)) return `no openclaw at ${OPENCLAW} (set LOOPGATE_INTEROP_DIR, or run npm run test:interop once to install it)`;
  return null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const OFFLINE_ENV = {
  OPENCLAW_NO_AUTO_UPDATE: '1', DO_NOT_TRACK: '1', OPENCLAW_DISABLE_BONJOUR: '1', OPENCLAW_OFFLINE: '1', OPENCLAW_SKIP_CHANNELS: '1',
  OPENCLAW_CLAWHUB_URL: 'http://127.0.0.1:9', CLAWHUB_DISABLE_TELEMETRY: '1', NO_COLOR: '1',
};

export interface OpenClawGateway {
  port: number;
  url: string;
  token: string;
  home: string;
  output: string[];
  /** Start (again) on the same port and HOME: resolves when /healthz answers 200. */
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export async function openclawGateway(): Promise<OpenClawGateway> {
  const port = await freePort();
  const token = `lg-e2e-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const home = mkdtempSync(join(tmpdir(), 'loopgate-openclaw-'));
  mkdirSync(join(home, '.openclaw'), { recursive: true });
  writeFileSync(join(home, '.openclaw', 'openclaw.json'), JSON.stringify({
    gateway: { mode: 'local', bind: 'loopback', port, auth: { mode: 'token', token }, nodes: { pairing: { sshVerify: false, autoApproveLocal: true } } },
    update: { checkOnStart: false }, discovery: { mdns: { mode: 'off' } }, models: { catalogRefresh: { enabled: false } },
    logging: { file: join(home, 'gateway.log') },
  }));
  const output: string[] = [];
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  };
  return {
    port, url: `ws://127.0.0.1:${port}`, token, home, output,
    async start() {
      const c = spawn(NODE24, [OPENCLAW, 'gateway', 'run'], { env: { ...process.env, ...OFFLINE_ENV, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d) => output.push(String(d)));
      c.stderr!.on('data', (d) => output.push(String(d)));
      const deadline = Date.now() + 120_000; // 6–12 s when idle; far longer on a loaded machine
      while (Date.now() < deadline) {
        if (c.exitCode !== null) throw new Error(`openclaw gateway exited (${c.exitCode}):\n${output.join('').slice(-2000)}`);
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (ok) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`openclaw gateway not ready within 120 s:\n${output.join('').slice(-2000)}`);
    },
    stop,
    async dispose() {
      await stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface AttachProcess {
  dashboardUrl: string;
  home: string;
  output: string[];
  /** Resolves when a line matching `re` has been printed (stdout or stderr). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function loopgateAttach(args: string[]): Promise<AttachProcess> {
  const home = mkdtempSync(join(tmpdir(), 'loopgate-attach-e2e-'));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'loopgate.mjs'), 'attach', '--home', home, '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  const onData = (d: Buffer) => {
    for (const line of String(d).split('\n').filter(Boolean)) {
      output.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const waitFor = (re: RegExp, timeoutMs = 20_000): Promise<string> => {
    const seen = output.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
      waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
    });
  };
  const link = await waitFor(/^Dashboard .*: (http:\/\/127\.0\.0\.1:\d+\/#\S+)$/);
  return {
    dashboardUrl: /(http:\/\/127\.0\.0\.1:\d+\/#\S+)/.exec(link)![1]!, home, output, waitFor,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
