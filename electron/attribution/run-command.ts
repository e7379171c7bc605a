// Running an OS tool for a lookup: bounded time and output, C locale, never a shell, never a throw.
import { execFile } from 'node:child_process';

export interface CommandResult {
  ok: boolean;
  stdout: string;
  /** Why it failed: missing tool, timeout, exit code. */
  error?: string;
}

export function runCommand(file: string, args: string[], timeoutMs = 1500, maxBuffer = 4 * 1024 * 1024): Promise<CommandResult> {
  return new Promise((resolve) => {
    try {
      execFile(file, args, { timeout: timeoutMs, maxBuffer, windowsHide: true, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } }, (err, stdout) => {
        // lsof exits 1 when nothing matched: that is an empty answer, not a failure.
        if (err && !(typeof err.code === 'number' && String(stdout).length === 0 && err.code === 1)) {
          resolve({ ok: false, stdout: String(stdout ?? ''), error: err.killed ? 'timed out' : (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} not found` : err.message });
          return;
        }
        resolve({ ok: true, stdout: String(stdout ?? '') });
      });
    } catch (e) {
      resolve({ ok: false, stdout: '', error: (e as Error).message });
    }
  });
}
