// Starts the headless gateway and the echo floor as separate processes, as a user would run them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..');

export interface Started {
  child: ChildProcess;
  url: string;
  readyMs: number;
  lines: string[];
  stop(): Promise<void>;
}

async function startUntil(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    const m = pattern.exec(line);
    if (m) {
      const readyMs = performance.now() - t0;
      return {
        child, url: m[1]!, readyMs, lines,
        async stop() {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          await once(child, 'exit');
        },
      };
    }
  }
  throw new Error(`process exited before it was ready: ${lines.join('\n')}`);
}

export function startHeadless(home: string): Promise<Started> {
  return startUntil([join(root, 'bin', 'loopgate.mjs'), 'gateway', '--port', '0', '--home', home], /^Loopgate gateway listening on (ws:\/\/\S+)$/);
}

export function startEcho(): Promise<Started> {
  return startUntil([join(root, 'bench', 'echo-server.mjs')], /^echo listening on (ws:\/\/\S+)$/);
}

/** Resident set size of a process in MB, from /proc (Linux) — null elsewhere. */
export async function rssMb(pid: number): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}
