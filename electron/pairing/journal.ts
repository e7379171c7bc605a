// The pairing store's append-only journal: one line per change, so a decision writes a few hundred bytes
// instead of the whole store. Line framing, and every line carries a CRC-32 of its JSON:
//   <crc32 as 8 hex digits> <JSON>\n
// The first line is the header (which store lineage the journal belongs to and which snapshot generation it
// starts from); each later line is one change stamped with the generation it produces. A crash mid-append can
// only damage the last line; a bad line with good lines after it is damage of another kind.
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { errnoCode, PRIVATE_FILE_MODE, writeFileAtomic } from './atomic-file';
import { PairedDeviceSchema, type PairedDevice } from './store-schema';

export const JOURNAL_FORMAT = 1;

export interface JournalHeader {
  journal: typeof JOURNAL_FORMAT;
  /** Lineage: the snapshot that may take this journal's records carries the same id. */
  id: string;
  /** Generation of the snapshot this journal starts from; the first record is base + 1. */
  base: number;
  createdAtMs: number;
}

export interface JournalRecord {
  /** The store generation this change produces (previous + 1). */
  g: number;
  at: number;
  /** Devices written whole (new, changed, or touched). */
  put?: Record<string, PairedDevice>;
  /** Devices removed. */
  del?: string[];
}

export interface ParsedRecord {
  record: JournalRecord;
  /** Byte offset just after this record's newline. */
  end: number;
}

export interface ParsedJournal {
  header?: JournalHeader;
  records: ParsedRecord[];
  /** Offset after the last good line: everything before it can be trusted. */
  goodEnd: number;
  /** A damaged last line (crash mid-append): where it starts and why it was rejected. */
  torn?: { offset: number; reason: string };
  /** A damaged line with good lines after it, or a well-framed line that makes no sense: not a crash artifact. */
  corrupt?: { offset: number; reason: string };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeLine(value: JournalHeader | JournalRecord): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const crc = crc32(json).toString(16).padStart(8, '0');
  return Buffer.concat([Buffer.from(`${crc} `), json, Buffer.from('\n')]);
}

/** One framed line (without its newline) → its JSON value, or why it is bad. */
function decodeLine(line: Buffer): { value: unknown } | { bad: string; checksummed?: boolean } {
  if (line.length < 10 || line[8] !== 0x20) return { bad: 'line is not framed' };
  const crcText = line.subarray(0, 8).toString('latin1');
  if (!/^[0-9a-f]{8}$/.test(crcText)) return { bad: 'line is not framed' };
  const json = line.subarray(9);
  if (crc32(json) !== Number.parseInt(crcText, 16)) return { bad: 'checksum mismatch' };
  try {
    const text = utf8.decode(json);
    // The reviver costs a call per value: only texts that could hold the key pay for it.
    return { value: text.includes('"__proto__"') ? JSON.parse(text, rejectProtoKey) : JSON.parse(text) };
  } catch (err) {
    return { bad: `checksummed line is not JSON: ${(err as Error).message}`, checksummed: true };
  }
}

function rejectProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('"__proto__" is not allowed as a key');
  return value;
}

function parseHeader(v: unknown): JournalHeader | string {
  const h = v as Partial<JournalHeader> | null;
  if (!h || typeof h !== 'object') return 'header is not an object';
  if (h.journal !== JOURNAL_FORMAT) return `unknown journal format ${JSON.stringify(h.journal)}`;
  if (typeof h.id !== 'string' || !h.id) return 'header has no lineage id';
  if (!Number.isSafeInteger(h.base) || h.base! < 0) return 'header has no valid base generation';
  return { journal: JOURNAL_FORMAT, id: h.id, base: h.base!, createdAtMs: typeof h.createdAtMs === 'number' ? h.createdAtMs : 0 };
}

/** Validates a change record; every device in it must be one the snapshot would accept. */
function parseRecord(v: unknown): JournalRecord | string {
  const r = v as Partial<JournalRecord> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return 'record is not an object';
  if (!Number.isSafeInteger(r.g) || r.g! < 1) return 'record has no valid generation';
  const out: JournalRecord = { g: r.g!, at: typeof r.at === 'number' ? r.at : 0 };
  if (r.put !== undefined) {
    if (!r.put || typeof r.put !== 'object' || Array.isArray(r.put)) return 'record put is not an object';
    out.put = {};
    for (const [id, device] of Object.entries(r.put)) {
      const parsed = PairedDeviceSchema.safeParse(device);
      if (!parsed.success) return `record ${r.g}: device ${id} does not match the store format`;
      if (parsed.data.deviceId !== id) return `record ${r.g}: record for "${parsed.data.deviceId}" filed under "${id}"`;
      out.put[id] = parsed.data;
    }
  }
  if (r.del !== undefined) {
    if (!Array.isArray(r.del) || !r.del.every((id) => typeof id === 'string')) return 'record del is not a list of ids';
    out.del = r.del;
  }
  return out;
}

/**
 * Parses journal bytes that start at file offset `offset` (0 = with the header line). A damaged last line is
 * reported as `torn`: a crash artifact to cut when the caller holds the lock, or a write still in progress
 * when it does not (then it is only left unread).
 */
export function parseJournal(bytes: Buffer, base = 0): ParsedJournal {
  const out: ParsedJournal = { records: [], goodEnd: base };
  let pos = 0;
  let pendingBad: { offset: number; reason: string } | undefined;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl === -1) {
      // No newline: the last write never finished (the header is written atomically, so it cannot be torn).
      const bad = pendingBad ?? { offset: base + pos, reason: 'last record is incomplete' };
      if (bad.offset === 0) out.corrupt = bad;
      else out.torn = bad;
      return out;
    }
    if (pendingBad) {
      // A bad line followed by another line: not a torn tail.
      out.corrupt = pendingBad;
      return out;
    }
    const decoded = decodeLine(bytes.subarray(pos, nl));
    if ('bad' in decoded && decoded.checksummed) {
      // Intact but meaningless: written that way, not torn by a crash.
      out.corrupt = { offset: base + pos, reason: decoded.bad };
      return out;
    }
    if ('bad' in decoded) {
      pendingBad = { offset: base + pos, reason: decoded.bad };
      pos = nl + 1;
      continue;
    }
    if (base + pos === 0) {
      const header = parseHeader(decoded.value);
      if (typeof header === 'string') {
        out.corrupt = { offset: 0, reason: header };
        return out;
      }
      out.header = header;
    } else {
      const record = parseRecord(decoded.value);
      if (typeof record === 'string') {
        out.corrupt = { offset: base + pos, reason: record };
        return out;
      }
      out.records.push({ record, end: base + nl + 1 });
    }
    pos = nl + 1;
    out.goodEnd = base + pos;
  }
  if (pendingBad) {
    if (pendingBad.offset === 0) out.corrupt = pendingBad; // the header is written atomically: never torn
    else out.torn = pendingBad;
  }
  return out;
}

/** inode and size: an append grows the size, a compaction replaces the inode. */
export interface JournalStat {
  ino: bigint;
  size: number;
  stat: BigIntStats;
}

/** Bytes of `file` from `offset`, with the stat of the same open file; undefined when it does not exist. */
export function readJournalSync(file: string, offset = 0): { bytes: Buffer; st: JournalStat } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    const size = Number(stat.size);
    const bytes = Buffer.allocUnsafe(Math.max(0, size - offset));
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: bytes.subarray(0, got), st: { ino: stat.ino, size, stat } };
  } finally {
    closeSync(fd);
  }
}

/**
 * Test-only fault injection (see atomic-file.ts): `crash-mid-append` writes half a record, then dies;
 * `enospc-on-write` writes half and fails. LOOPGATE_FAULT_SKIP=n lets n appends through first.
 */
let appendsSeen = 0;
function fault(): string | undefined {
  const f = process.env.LOOPGATE_FAULT;
  if (!f) return undefined;
  return appendsSeen++ < Number(process.env.LOOPGATE_FAULT_SKIP ?? 0) ? undefined : f;
}

/** The writer's side: appends with fsync, cuts a torn tail, starts a fresh journal atomically. */
export class JournalWriter {
  private fh: FileHandle | undefined;
  private ino: bigint | undefined;
  /** Bytes written through this writer (appends, cuts excluded, fresh headers included). */
  bytesWritten = 0;

  constructor(readonly file: string) {}

  /** Appends `data` and waits until it is on disk. The caller holds the store lock and has checked the inode. */
  async append(data: Buffer, expectIno: bigint): Promise<void> {
    if (!this.fh || this.ino !== expectIno) await this.reopen();
    const f = fault();
    if (f === 'crash-mid-append' || f === 'enospc-on-write') {
      await this.fh!.write(data, 0, data.length >> 1);
      await this.fh!.datasync();
      if (f === 'crash-mid-append') process.kill(process.pid, 'SIGKILL');
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${this.file}' (injected)`), { code: 'ENOSPC' });
    }
    const { bytesWritten } = await this.fh!.write(data);
    if (bytesWritten !== data.length) throw new Error(`short write to ${this.file}`);
    await this.fh!.datasync();
    this.bytesWritten += data.length;
  }

  /** Removes a torn tail so the next append starts on a clean line. */
  async truncate(size: number): Promise<void> {
    const fh = await fsp.open(this.file, 'r+');
    try {
      await fh.truncate(size);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  /** Replaces the journal with one holding only `header` (temp file, fsync, rename, fsync of the folder). */
  async start(header: JournalHeader): Promise<JournalStat> {
    const line = encodeLine(header);
    await this.closeHandle();
    await writeFileAtomic(this.file, line);
    this.bytesWritten += line.length;
    const st = await fsp.stat(this.file, { bigint: true });
    return { ino: st.ino, size: Number(st.size), stat: st };
  }

  async closeHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    this.ino = undefined;
    await fh?.close().catch(() => undefined);
  }

  private async reopen(): Promise<void> {
    await this.closeHandle();
    // 'a' = O_APPEND: every write lands at the end, even after a truncate by another process.
    const fh = await fsp.open(this.file, 'a', PRIVATE_FILE_MODE);
    this.fh = fh;
    this.ino = (await fh.stat({ bigint: true })).ino;
  }
}

/** Lightweight identity of a file on disk, or 'missing'. */
export function statIdentity(st: BigIntStats | undefined): string {
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : 'missing';
}

/** A change record built from JSON the store already holds (no device is serialised twice). */
export function encodeChangeLine(g: number, at: number, changes: ReadonlyMap<string, { json: string } | null>): Buffer {
  const put: string[] = [];
  const del: string[] = [];
  for (const [id, change] of changes) {
    if (change) put.push(`${JSON.stringify(id)}:${change.json}`);
    else del.push(JSON.stringify(id));
  }
  const json = Buffer.from(`{"g":${g},"at":${at}${put.length ? `,"put":{${put.join(',')}}` : ''}${del.length ? `,"del":[${del.join(',')}]` : ''}}`, 'utf8');
  const crc = crc32(json).toString(16).padStart(8, '0');
  return Buffer.concat([Buffer.from(`${crc} `), json, Buffer.from('\n')]);
}

/**
 * The snapshot text: valid JSON with one device per line, assembled from cached pieces.
 */
export function snapshotText(version: number, generation: number, updatedAtMs: number, journalId: string | undefined, devices: Iterable<[string, string]>): string {
  const lines: string[] = [];
  for (const [id, json] of devices) lines.push(`${JSON.stringify(id)}:${json}`);
  const lineage = journalId ? `,"journalId":${JSON.stringify(journalId)}` : '';
  return `{"version":${version},"generation":${generation},"updatedAtMs":${updatedAtMs}${lineage},"devices":{${lines.length ? `\n${lines.join(',\n')}\n` : ''}}}\n`;
}
