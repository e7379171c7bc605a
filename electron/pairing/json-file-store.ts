// Versioned JSON documents (pairing store, sessions registry, gateway config): read → migrate → validate, and
// when that fails keep the bytes aside and fail closed. Never "unreadable, so empty": OpenClaw's `?? {}` turned
// a truncated paired.json into an erased one on the next write.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { errnoCode, readFileIfExists, writeFileAtomic } from './atomic-file';

export type DocumentErrorCode =
  | 'DOC_CORRUPT' // not JSON, wrong shape, schema violation: moved aside
  | 'DOC_TOO_NEW' // written by a newer build: left in place for it
  | 'DOC_UNSAFE' // group/world-writable or foreign-owned: not trusted, left in place
  | 'DOC_UNREADABLE' // I/O error other than "missing"
  | 'DOC_QUARANTINED'; // missing, but an earlier copy was moved aside: still needs the user's decision

export class DocumentError extends Error {
  constructor(readonly code: DocumentErrorCode, message: string) {
    super(message);
    this.name = 'DocumentError';
  }
}

export interface Migrated {
  value: unknown;
  fromVersion: number;
  toVersion: number;
}
/** Brings a parsed document to the current version; throws DocumentError (e.g. DOC_TOO_NEW) when it cannot. */
export type MigrateFn = (raw: unknown) => Migrated;

export interface Decoded<T> {
  value: T;
  /** Set when `migrate` changed the version. */
  migratedFrom?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Pure: bytes → validated value. Throws DocumentError. */
export function decodeJsonDocument<T>(bytes: Uint8Array, schema: z.ZodType<T>, migrate?: MigrateFn): Decoded<T> {
  let raw: unknown;
  try {
    const text = utf8.decode(bytes).replace(/^\uFEFF/, ''); // a BOM from a hand edit on Windows is harmless
    // "__proto__" keys are dropped silently by object builders (zod's record included), losing a record.
    raw = text.includes('"__proto__"') ? JSON.parse(text, rejectProtoKey) : JSON.parse(text);
  } catch (err) {
    throw new DocumentError('DOC_CORRUPT', bytes.length === 0 ? 'file is empty' : `not valid JSON: ${(err as Error).message}`);
  }
  let migrated: Migrated | undefined;
  if (migrate) {
    try {
      migrated = migrate(raw);
    } catch (err) {
      if (err instanceof DocumentError) throw err;
      throw new DocumentError('DOC_CORRUPT', `cannot migrate: ${(err as Error).message}`);
    }
    raw = migrated.value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new DocumentError('DOC_CORRUPT', `does not match the expected format${where}: ${issue?.message ?? 'invalid'}`);
  }
  return migrated && migrated.fromVersion !== migrated.toVersion
    ? { value: parsed.data, migratedFrom: migrated.fromVersion }
    : { value: parsed.data };
}

function rejectProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('"__proto__" is not allowed as a key');
  return value;
}

/**
 * Why a file must not be trusted on POSIX (like ssh StrictModes), or undefined. Someone else who can write it
 * could add their own device as paired.
 */
export function unsafeFileReason(st: { mode: number | bigint; uid: number | bigint; isFile(): boolean }): string | undefined {
  if (!st.isFile()) return 'is not a regular file';
  if (process.platform === 'win32') return undefined;
  const mode = Number(st.mode) & 0o777;
  if (mode & 0o022) return `is writable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it`;
  const uid = process.getuid?.();
  if (uid !== undefined && Number(st.uid) !== uid) return `is owned by uid ${st.uid}, not by this user (uid ${uid})`;
  return undefined;
}

export type ReadDocumentResult<T> =
  | { ok: true; /** undefined: no file yet */ value: T | undefined; migratedFrom?: number; backupPath?: string }
  | { ok: false; code: DocumentErrorCode; error: string; quarantinedTo?: string };

export interface ReadDocumentOptions {
  now?: () => number;
  /**
   * What the pre-migration backup keeps: by default the original bytes. A document holding secrets passes a
   * function that returns the parsed original with them removed (no issued token ever rests on disk).
   */
  backupOf?: (original: unknown) => unknown;
}

/**
 * Reads, migrates and validates `file`. Corrupt content is renamed to `<file>.corrupt-<UTC time>`; a migrated
 * document is rewritten after the original bytes are kept as `<file>.v<N>-backup`. Never throws for the
 * document's own problems; the caller fails closed on `ok: false`.
 */
export async function readJsonDocument<T>(
  file: string,
  schema: z.ZodType<T>,
  migrate?: MigrateFn,
  opts: ReadDocumentOptions = {},
): Promise<ReadDocumentResult<T>> {
  const now = opts.now ?? Date.now;
  let bytes: Buffer;
  try {
    const fh = await fsp.open(file, 'r');
    try {
      const unsafe = unsafeFileReason(await fh.stat());
      if (unsafe) return { ok: false, code: 'DOC_UNSAFE', error: `${file} ${unsafe}` };
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') return { ok: false, code: 'DOC_UNREADABLE', error: `cannot read ${file}: ${(err as Error).message}` };
    const earlier = await latestQuarantine(file);
    if (earlier === undefined) return { ok: true, value: undefined };
    return { ok: false, code: 'DOC_QUARANTINED', quarantinedTo: earlier, error: `${file} was unreadable and moved to ${earlier}; restore it or reset explicitly` };
  }

  let decoded: Decoded<T>;
  try {
    decoded = decodeJsonDocument(bytes, schema, migrate);
  } catch (err) {
    const e = err instanceof DocumentError ? err : new DocumentError('DOC_CORRUPT', String(err));
    if (e.code !== 'DOC_CORRUPT') return { ok: false, code: e.code, error: `${file}: ${e.message}` };
    try {
      const quarantinedTo = await quarantineFile(file, now());
      return { ok: false, code: 'DOC_CORRUPT', quarantinedTo, error: `${file} ${e.message}; moved to ${quarantinedTo}` };
    } catch (renameErr) {
      return { ok: false, code: 'DOC_CORRUPT', error: `${file} ${e.message}; could not move it aside: ${(renameErr as Error).message}` };
    }
  }

  if (decoded.migratedFrom === undefined) return { ok: true, value: decoded.value };
  const backupBytes = opts.backupOf ? Buffer.from(`${JSON.stringify(opts.backupOf(JSON.parse(bytes.toString('utf8'))), null, 2)}\n`) : bytes;
  const backupPath = await writeBackup(file, decoded.migratedFrom, backupBytes, now());
  await writeJsonDocument(file, decoded.value);
  return { ok: true, value: decoded.value, migratedFrom: decoded.migratedFrom, backupPath };
}

export async function writeJsonDocument(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** "2026-03-01T12-34-56-789Z": UTC, sortable, and legal in Windows file names. */
function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

/** Renames `file` to `<file>.corrupt-<UTC time>[-n]`, never over an earlier copy. Returns the new path. */
export async function quarantineFile(file: string, nowMs: number): Promise<string> {
  const base = `${file}.corrupt-${fileStamp(nowMs)}`;
  for (let n = 0; ; n++) {
    const target = n === 0 ? base : `${base}-${n}`;
    if (await exists(target)) continue;
    await fsp.rename(file, target);
    return target;
  }
}

/** Newest `<file>.corrupt-*` copy, if any. */
export async function latestQuarantine(file: string): Promise<string | undefined> {
  const prefix = `${path.basename(file)}.corrupt-`;
  let names: string[];
  try {
    names = await fsp.readdir(path.dirname(file));
  } catch {
    return undefined;
  }
  const newest = names.filter((n) => n.startsWith(prefix)).sort().at(-1);
  return newest === undefined ? undefined : path.join(path.dirname(file), newest);
}

/** Keeps the pre-migration bytes; an existing different backup is never overwritten. */
async function writeBackup(file: string, version: number, bytes: Buffer, nowMs: number): Promise<string> {
  const plain = `${file}.v${version}-backup`;
  const existing = await readFileIfExists(plain);
  const target = existing === undefined || existing.equals(bytes) ? plain : `${plain}-${fileStamp(nowMs)}`;
  if (!existing?.equals(bytes)) await writeFileAtomic(target, bytes);
  return target;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}
