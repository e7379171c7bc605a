// The diagnostic log: one line per event in `<data folder>/logs/<name>.log`, rotated by size (name.log.1 … .N),
// folder 0700 and files 0600 like the rest of the data folder. Every line passes through the redactor first, so
// a token that slips into a message never reaches the disk. Writes are synchronous appends: the volume is a few
// lines a minute, ordering matters more than throughput, and a crash must not lose the line that explains it.
// A failing disk never takes the gateway down: the first failure goes to stderr, later ones are counted.
import { appendFileSync, chmodSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redactor } from './redact';

export const LOGS_DIR = 'logs';
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_KEEP = 3;

/** `<home>/logs`: where the tray app and the headless gateway write (shown by `loopgate status`). */
export function logsDir(home: string): string {
  return join(home, LOGS_DIR);
}

export interface RotatingLogOptions {
  /** File name without extension: "app" (tray app) or "gateway" (headless gateway). */
  name: string;
  maxBytes?: number;
  /** Rotated files kept beside the current one. */
  keep?: number;
  redactor?: Redactor;
  now?: () => Date;
  /** Where a write failure is reported once (default: stderr). */
  onError?: (message: string) => void;
}

export class RotatingLog {
  readonly file: string;
  readonly redactor: Redactor;
  private size = 0;
  private failures = 0;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly now: () => Date;
  private readonly onError: (message: string) => void;

  constructor(readonly dir: string, opts: RotatingLogOptions) {
    if (!/^[a-z][a-z0-9-]*$/.test(opts.name)) throw new Error(`invalid log name: ${opts.name}`);
    this.file = join(dir, `${opts.name}.log`);
    this.maxBytes = Math.max(1024, opts.maxBytes ?? DEFAULT_MAX_BYTES);
    this.keep = Math.max(1, opts.keep ?? DEFAULT_KEEP);
    this.redactor = opts.redactor ?? new Redactor();
    this.now = opts.now ?? (() => new Date());
    this.onError = opts.onError ?? ((m) => process.stderr.write(`loopgate: ${m}\n`));
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (process.platform !== 'win32') chmodSync(dir, 0o700);
      this.size = statSync(this.file).size;
    } catch {
      this.size = 0;
    }
  }

  /** Rotated files, newest first (for tests and "Open logs folder"). */
  files(): string[] {
    return [this.file, ...Array.from({ length: this.keep }, (_, i) => `${this.file}.${i + 1}`)];
  }

  /** Log one event. Never throws. */
  write(message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    const clean = this.redactor.redact(message).replace(/\r?\n/g, '\n    ');
    const line = `${this.now().toISOString()} ${level.padEnd(5)} ${clean}\n`;
    const bytes = Buffer.byteLength(line);
    try {
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
      appendFileSync(this.file, line, { mode: 0o600 });
      this.size += bytes;
    } catch (err) {
      if (this.failures++ === 0) this.onError(`cannot write the log ${this.file}: ${(err as Error).message}`);
    }
  }

  /** A `(line) => void` for modules that take a plain logger. */
  get line(): (message: string) => void {
    return (m) => this.write(m);
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      } catch {
        // that generation does not exist yet
      }
    }
    renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }
}
