// Cross-process exclusive lock for read-modify-write of a shared file (tray app, headless gateway and CLI all
// write the pairing store). An O_EXCL lock file holding {pid, ts, nonce}; a lock whose owner died, or that is
// older than `staleMs`, is broken. Inside one process, callers queue on a promise chain instead of polling.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errnoCode, PRIVATE_FILE_MODE } from './atomic-file';
import { isProcessAlive } from './process-alive';

export interface FileLockOptions {
  /** How long to wait for another process's lock. Default 5000 ms. */
  timeoutMs?: number;
  /** A lock older than this is broken even if its pid is alive (pid reuse, hung owner). Default 30 000 ms. */
  staleMs?: number;
}

export class LockTimeoutError extends Error {
  readonly code = 'LOCK_TIMEOUT';
  constructor(lockPath: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for the lock ${lockPath}`);
    this.name = 'LockTimeoutError';
  }
}

/** Tail of the in-process queue per lock path. */
const queues = new Map<string, Promise<void>>();
/** Lock paths this process holds right now: a lock file naming our own pid but not in here is a leftover. */
const held = new Set<string>();

export async function withFileLock<T>(lockPath: string, fn: () => T | Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const key = path.resolve(lockPath);
  const previous = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const tail = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
  queues.set(key, tail);
  await previous; // never rejects: the chain only carries "released" signals
  try {
    const token = await acquire(key, opts.timeoutMs ?? 5000, opts.staleMs ?? 30_000);
    held.add(key);
    try {
      return await fn();
    } finally {
      held.delete(key);
      await release(key, token);
    }
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<string> {
  const token = JSON.stringify({ pid: process.pid, ts: Date.now(), nonce: randomBytes(8).toString('hex') });
  const deadline = performance.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    if (await tryCreate(lockPath, token)) return token;
    if (await breakIfStale(lockPath, staleMs)) continue;
    const left = deadline - performance.now();
    if (left <= 0) throw new LockTimeoutError(lockPath, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = Math.min(delay * 2, 20);
  }
}

/**
 * Creates the lock file with its owner already in it: written to a temp file, then hard-linked into place
 * (link fails if the lock exists). A holder killed at any point never leaves an empty lock, which only age
 * could break; a leftover temp file is removed by the store's orphan cleanup. Where hard links are not
 * supported, falls back to O_EXCL create and write.
 */
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  if (linkSupported) {
    const tmp = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, token, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    try {
      await fsp.link(tmp, lockPath);
      return true;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      linkSupported = false;
    } finally {
      await fsp.unlink(tmp).catch(() => undefined);
    }
  }
  try {
    const fh = await fsp.open(lockPath, 'wx', PRIVATE_FILE_MODE);
    try {
      await fh.writeFile(token);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fsp.unlink(lockPath).catch(() => undefined); // an empty lock would block others until it goes stale
      throw err;
    }
    await fh.close();
    return true;
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    return false;
  }
}

let linkSupported = true;

/** Returns true when the lock is gone (broken by us or released meanwhile) and acquiring should be retried at once. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let text: string;
  let mtimeMs: number;
  try {
    const fh = await fsp.open(lockPath, 'r');
    try {
      mtimeMs = (await fh.stat()).mtimeMs;
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true;
    throw err;
  }
  const owner = parseOwner(text);
  // No readable owner yet: the file was just created and is being written, so only age can make it stale.
  const ownerGone = owner !== undefined && (owner.pid === process.pid ? !held.has(lockPath) : !isProcessAlive(owner.pid));
  const ageMs = Date.now() - (owner?.ts ?? mtimeMs);
  if (!ownerGone && ageMs < staleMs) return false;
  // Move it aside rather than unlink: of several waiters breaking the same lock only one rename succeeds, and
  // the winner checks it moved the stale lock and not a fresh one taken in between.
  const aside = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await fsp.rename(lockPath, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true;
    throw err;
  }
  const moved = await fsp.readFile(aside, 'utf8').catch(() => '');
  if (moved !== text) await fsp.link(aside, lockPath).catch(() => undefined); // a live lock: put it back
  await fsp.unlink(aside).catch(() => undefined);
  return true;
}

function parseOwner(text: string): { pid: number; ts: number } | undefined {
  try {
    const v = JSON.parse(text) as { pid?: unknown; ts?: unknown };
    if (typeof v.pid === 'number' && typeof v.ts === 'number') return { pid: v.pid, ts: v.ts };
  } catch {
    // half-written or foreign content
  }
  return undefined;
}

/** Removes the lock only if it is still ours (it may have been broken as stale and retaken by someone else). */
async function release(lockPath: string, token: string): Promise<void> {
  try {
    if ((await fsp.readFile(lockPath, 'utf8')) === token) await fsp.unlink(lockPath);
  } catch {
    // Gone already, or unreadable: a lock we could not remove is reclaimed by the stale check once we exit.
  }
}
