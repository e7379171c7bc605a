// Shared helpers for the pairing tests: temp folders, sample records, child processes running child.ts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PairedDevice } from '../store-schema';
import { hashToken } from '../token-hash';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const childScript = fileURLToPath(new URL('./child.ts', import.meta.url));

/** A fresh folder under the OS temp dir, removed after the test. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'loopgate-pairing-'));
  t.after(() => fsp.rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}

export function makeDevice(deviceId: string, at = 1_740_000_000_000, token = `token-of-${deviceId}`): PairedDevice {
  return {
    deviceId,
    publicKey: `pk-${deviceId}`,
    displayName: `device ${deviceId}`,
    platform: 'linux',
    clientId: 'cli',
    clientMode: 'cli',
    role: 'operator',
    roles: ['operator'],
    scopes: ['operator.read'],
    approvedScopes: ['operator.read'],
    createdAtMs: at,
    approvedAtMs: at,
    tokens: { operator: { hash: hashToken(token), role: 'operator', scopes: ['operator.read'], createdAtMs: at } },
  };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Child {
  /** Resolves when the child prints `ready` (it then waits for `go` on stdin). */
  ready: Promise<void>;
  go(): void;
  done: Promise<ChildResult>;
  /** Every stdout line so far. */
  lines(): string[];
  /** Called with each stdout line as it arrives. */
  onLine(listener: (line: string) => void): void;
  kill(signal: NodeJS.Signals): void;
}

/** Runs testdata/child.ts in a fresh Node process (real process: real crash, real cross-process locking). */
export function runChild(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const lineListeners: Array<(line: string) => void> = [];
  let partial = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('ready\n')) markReady();
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) for (const l of lineListeners) l(line);
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = once(proc, 'close').then(([code, signal]) => {
    markReady(); // never leave a test waiting on a child that died early
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  return {
    ready, go: () => proc.stdin.end('go\n'), done,
    lines: () => stdout.split('\n').filter(Boolean),
    onLine: (l) => void lineListeners.push(l),
    kill: (signal) => void proc.kill(signal),
  };
}

/** Every file under `dir`, recursively, with its bytes. */
export async function allFiles(dir: string): Promise<Array<{ file: string; bytes: Buffer }>> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(p)));
    else if (entry.isFile()) out.push({ file: p, bytes: await fsp.readFile(p) });
  }
  return out;
}

export function modeOf(st: { mode: number }): number {
  return st.mode & 0o777;
}
