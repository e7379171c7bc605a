// The headless gateway as a real child process for tests (`loopgate gateway --port 0` in a temp home): started,
// its address read from its "listening on" line, every stdout line kept, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const LOOPGATE_BIN = join(import.meta.dirname, '..', '..', 'bin', 'loopgate.mjs');

export interface GatewayProcess {
  child: ChildProcess;
  home: string;
  url: string;
  port: number;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves once a line matching `pred` has been printed. */
  waitForLine(pred: (line: string) => boolean): Promise<string>;
  stop(): Promise<void>;
}

export async function startGatewayProcess(homePrefix: string, opts: { stderr?: 'inherit' | 'ignore' } = {}): Promise<GatewayProcess> {
  const home = await mkdtemp(join(tmpdir(), homePrefix));
  const child = spawn(process.execPath, [LOOPGATE_BIN, 'gateway', '--port', '0', '--home', home], { stdio: ['ignore', 'pipe', opts.stderr ?? 'inherit'] });
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (l) => lines.push(l));
  const waitForLine = async (pred: (line: string) => boolean): Promise<string> => {
    for (;;) {
      const found = lines.find(pred);
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}) before printing the line; it printed:\n${lines.join('\n')}`);
      await Promise.race([once(rl, 'line'), once(child, 'exit')]);
    }
  };
  const listening = await waitForLine((l) => /listening on ws:\/\/127\.0\.0\.1:\d+$/.test(l));
  const m = /listening on (ws:\/\/127\.0\.0\.1:(\d+))$/.exec(listening)!;
  return {
    child, home, url: m[1]!, port: Number(m[2]), lines, waitForLine,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
