// Crash-safe file replacement: a reader sees the old bytes or the new ones, never a mix or an empty file.
// Temp file in the same folder, created 0600 (no chmod window), fsync, rename, fsync of the folder (without
// it the rename may not survive a power cut on ext4/XFS).
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './process-alive';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const isWindows = process.platform === 'win32';

export interface WriteFileAtomicOptions {
  /** Mode of the new file, applied at creation. Default 0o600. */
  mode?: number;
  /** Mode of the folder (created, or tightened when looser). Default 0o700. */
  dirMode?: number;
}

/** Test-only fault injection, read on every call so a test (or a child it spawns) can switch it per write. */
function fault(): string | undefined {
  return process.env.LOOPGATE_FAULT;
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** mkdir -p with `mode`; an existing folder that is looser (group/other bits) is tightened. */
export async function ensurePrivateDir(dir: string, mode = PRIVATE_DIR_MODE): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode });
  if (isWindows) return; // POSIX mode bits mean little there; an owner-only ACL would be the equivalent
  const st = await fsp.stat(dir);
  if ((st.mode & 0o777 & ~mode) !== 0) await fsp.chmod(dir, mode);
}

export function tmpPathFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

export async function writeFileAtomic(target: string, data: string | Buffer, opts: WriteFileAtomicOptions = {}): Promise<void> {
  const dir = path.dirname(target);
  await ensurePrivateDir(dir, opts.dirMode ?? PRIVATE_DIR_MODE);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tmpPathFor(target);
  let fh: FileHandle | undefined;
  let created = false;
  try {
    // 'wx' = O_CREAT|O_EXCL: never follows or reuses someone else's file; the mode applies from creation.
    fh = await fsp.open(tmp, 'wx', opts.mode ?? PRIVATE_FILE_MODE);
    created = true;
    if (fault() === 'enospc-on-write') {
      await fh.write(buf, 0, buf.length >> 1);
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${tmp}' (injected)`), { code: 'ENOSPC' });
    }
    await fh.writeFile(buf);
    await fh.sync();
    if (fault() === 'crash-before-rename') process.kill(process.pid, 'SIGKILL');
    await fh.close();
    fh = undefined;
    await renameReplacing(tmp, target);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    if (created) await fsp.unlink(tmp).catch(() => undefined); // the old file stays as it was
    throw err;
  }
  await fsyncDir(dir);
}

/** Windows refuses to replace a file another process (indexer, antivirus) has open for a moment: retry briefly. */
async function renameReplacing(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (!isWindows || attempt >= 10 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * (attempt + 1)));
    }
  }
}

/** Makes a rename in `dir` durable. Some platforms cannot open or fsync a folder; nothing more can be done there. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') throw err;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Removes `<baseName>.<pid>.<random>.tmp` files left by writers that died between create and rename. A temp file
 * of a live process is kept unless it is older than `maxAgeMs` (its pid may have been reused), since that writer
 * may be about to rename it. Returns the names removed.
 */
export async function cleanupOrphanTmp(dir: string, baseName: string, opts: { maxAgeMs?: number } = {}): Promise<string[]> {
  const maxAgeMs = opts.maxAgeMs ?? 60_000;
  const pattern = new RegExp(`^${baseName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    if (isProcessAlive(Number(m[1]))) {
      const st = await fsp.stat(file).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < maxAgeMs) continue;
    }
    try {
      await fsp.unlink(file);
      removed.push(name);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  return removed;
}

/** The file's bytes, or undefined when it does not exist (any other error is thrown). */
export async function readFileIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}
