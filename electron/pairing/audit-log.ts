// Append-only audit of pairing decisions (JSON lines, 0600, rotated by size), plus the most recent entries in
// memory for the window. Appends never reject: a full disk must not take the gateway down with it, so write
// errors go to onError listeners instead.
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { AuditEntry } from '../../shared/pairing-types';
import { cleanupOrphanTmp, ensurePrivateDir, errnoCode, PRIVATE_FILE_MODE } from './atomic-file';
import { withFileLock } from './file-lock';

export interface AuditLogOptions {
  /** Rotate when the current file would exceed this. Default 5 MiB. */
  maxBytes?: number;
  /** Rotated files kept (audit.1.jsonl … audit.N.jsonl). Default 3. */
  keep?: number;
  /** Entries kept in memory for recent(). Default 5000. */
  memoryLimit?: number;
}

const FILE = 'audit.jsonl';
const FIELDS = ['ts', 'deviceId', 'reason', 'decision', 'by', 'silent', 'role', 'scopes', 'requestId', 'address', 'locality', 'displayName', 'kind', 'exec', 'commands', 'caps', 'program'] as const;

export class AuditLog {
  readonly filePath: string;
  private readonly lockPath: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly memoryLimit: number;
  private entries: AuditEntry[] = [];
  private fh: FileHandle | undefined;
  private ino = -1;
  private queue: Promise<void> = Promise.resolve();
  private readonly appendListeners = new Set<(entry: AuditEntry) => void>();
  private readonly errorListeners = new Set<(err: Error) => void>();
  private closed = false;

  private constructor(readonly dir: string, opts: AuditLogOptions) {
    this.filePath = path.join(dir, FILE);
    this.lockPath = `${this.filePath}.lock`;
    this.maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
    this.keep = Math.max(1, opts.keep ?? 3);
    this.memoryLimit = opts.memoryLimit ?? 5000;
  }

  static async open(dir: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    const log = new AuditLog(path.resolve(dir), opts);
    await ensurePrivateDir(log.dir);
    await cleanupOrphanTmp(log.dir, `${FILE}.lock`); // a lock's temp file left by a process killed while taking it
    const size = await log.openHandle();
    // A line torn by a crash would swallow the next entry: start a fresh line after it.
    if (size > 0 && (await lastByte(log.filePath, size)) !== 0x0a) await log.fh!.write('\n');
    log.entries = await log.loadRecent();
    return log;
  }

  /** Adds the entry to memory and listeners at once; the returned promise settles when it is on disk (never rejects). */
  append(entry: AuditEntry): Promise<void> {
    const clean = pick(entry); // only known fields: nothing else (a token, say) can slip into the log
    this.entries.push(clean);
    if (this.entries.length > this.memoryLimit * 1.25) this.entries.splice(0, this.entries.length - this.memoryLimit);
    for (const listener of this.appendListeners) {
      try {
        listener(clean);
      } catch {
        // a listener's bug must not lose the entry
      }
    }
    const line = `${JSON.stringify(clean)}\n`;
    this.queue = this.queue.then(() => this.write(line)).catch((err: unknown) => this.reportError(err));
    return this.queue;
  }

  /** Newest first; `before` pages back (entries with ts < before). */
  recent(limit = 500, before?: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    const floor = Math.max(0, this.entries.length - this.memoryLimit);
    for (let i = this.entries.length - 1; i >= floor && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (before === undefined || e.ts < before) out.push(e);
    }
    return out;
  }

  onAppend(listener: (entry: AuditEntry) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  onError(listener: (err: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  private async write(line: string): Promise<void> {
    if (this.closed && !this.fh) return;
    const bytes = Buffer.byteLength(line);
    // Another process (CLI) may have rotated the file under us: follow the path, not our old handle.
    const st = await fsp.stat(this.filePath).catch(() => undefined);
    let size = st?.size ?? 0;
    if (!st || st.ino !== this.ino) size = await this.openHandle();
    if (size > 0 && size + bytes > this.maxBytes) await withFileLock(this.lockPath, () => this.rotateLocked(bytes));
    await this.fh!.write(line); // O_APPEND: whole lines, even with another process appending
  }

  private async rotateLocked(incoming: number): Promise<void> {
    const st = await fsp.stat(this.filePath).catch(() => undefined);
    if (st && st.ino === this.ino && st.size + incoming > this.maxBytes) {
      await this.fh?.close();
      this.fh = undefined;
      for (let i = this.keep; i >= 1; i--) {
        const from = i === 1 ? this.filePath : this.rotated(i - 1);
        await fsp.rename(from, this.rotated(i)).catch((err: unknown) => {
          if (errnoCode(err) !== 'ENOENT') throw err;
        });
      }
    }
    await this.openHandle(); // ours, or the fresh file another process rotated to
  }

  /** (Re)opens audit.jsonl for appending, created 0600; returns its current size. */
  private async openHandle(): Promise<number> {
    await this.fh?.close().catch(() => undefined);
    this.fh = await fsp.open(this.filePath, 'a', PRIVATE_FILE_MODE);
    const st = await this.fh.stat();
    this.ino = st.ino;
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) await this.fh.chmod(PRIVATE_FILE_MODE);
    return st.size;
  }

  private rotated(i: number): string {
    return path.join(this.dir, `audit.${i}.jsonl`);
  }

  /** The newest `memoryLimit` entries from the current and rotated files, oldest first; bad lines are skipped. */
  private async loadRecent(): Promise<AuditEntry[]> {
    const chunks: AuditEntry[][] = [];
    let count = 0;
    for (let i = 0; i <= this.keep && count < this.memoryLimit; i++) {
      const lines = await readTailLines(i === 0 ? this.filePath : this.rotated(i), this.memoryLimit - count);
      const parsed = lines.map(parseEntry).filter((e): e is AuditEntry => e !== undefined);
      chunks.unshift(parsed);
      count += parsed.length;
    }
    const all = chunks.flat();
    return all.slice(Math.max(0, all.length - this.memoryLimit));
  }

  private reportError(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    for (const listener of this.errorListeners) {
      try {
        listener(e);
      } catch {
        // ignore
      }
    }
  }
}

function pick(entry: AuditEntry): AuditEntry {
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) if (entry[k] !== undefined) out[k] = entry[k];
  return out as unknown as AuditEntry;
}

function parseEntry(line: string): AuditEntry | undefined {
  if (!line.trim()) return undefined;
  try {
    const v = JSON.parse(line) as Partial<AuditEntry> | null;
    if (v && typeof v.ts === 'number' && typeof v.deviceId === 'string' && typeof v.decision === 'string') return v as AuditEntry;
  } catch {
    // a torn or hand-edited line
  }
  return undefined;
}

async function lastByte(file: string, size: number): Promise<number | undefined> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(1);
    const { bytesRead } = await fh.read(buf, 0, 1, size - 1);
    return bytesRead === 1 ? buf[0] : undefined;
  } finally {
    await fh.close();
  }
}

/** Up to `maxLines` complete last lines of a file, reading backwards in chunks (files may be megabytes). */
async function readTailLines(file: string, maxLines: number): Promise<string[]> {
  if (maxLines <= 0) return [];
  let fh: FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const parts: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    while (pos > 0 && newlines <= maxLines) {
      const len = Math.min(64 * 1024, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      parts.unshift(buf);
      for (const b of buf) if (b === 0x0a) newlines++;
    }
    const lines = Buffer.concat(parts).toString('utf8').split('\n');
    if (pos > 0) lines.shift(); // starts mid-line
    return lines.filter((l) => l.length > 0).slice(-maxLines);
  } finally {
    await fh.close();
  }
}
