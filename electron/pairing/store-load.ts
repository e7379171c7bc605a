// Loading the pairing store: the snapshot (pairing.json), then the journal's records on top of it. The rules
// make sure a journal is only ever replayed onto the snapshot it belongs to:
// - the snapshot names its journal's lineage (journalId); a journal with another lineage and any record in it
//   is refused, and a snapshot that names a journal which is gone is refused;
// - records carry the generation they produce: ones the snapshot already holds are skipped (a compaction
//   killed after writing the snapshot), the rest must follow on without a gap;
// - a damaged last record is a crash mid-append (cut off, reported); damage anywhere else is quarantined.
import { closeSync, fstatSync, openSync, readFileSync, promises as fsp } from 'node:fs';
import type { StoreHealth } from '../../shared/pairing-types';
import { decodeJsonDocument, latestQuarantine, quarantineFile, readJsonDocument, unsafeFileReason } from './json-file-store';
import { parseJournal, readJournalSync, type JournalRecord, type ParsedJournal } from './journal';
import { migrate, redactV1Tokens } from './migrations';
import { StoreFileV2Schema, type PairedDevice, type StoreFileV2 } from './store-schema';

export interface LoadedState {
  devices: Map<string, PairedDevice>;
  /** Each device's JSON as the snapshot would hold it. */
  deviceJson: Map<string, string>;
  /** Generation after the last record replayed. */
  generation: number;
  /** Lineage of the snapshot (undefined: a snapshot from before journals, or none yet). */
  journalId?: string;
  /** The journal this state was read from, when it belongs to the snapshot. */
  journal?: { ino: bigint; end: number; records: number };
  /** Records replayed on top of the snapshot. */
  replayed: number;
  /** A damaged last line of the journal (to cut when holding the lock). */
  torn?: { offset: number; reason: string };
  snapshotExists: boolean;
}

export type Combined =
  | { ok: true; state: LoadedState }
  | { ok: false; error: string; /** damage inside the journal: move it aside */ quarantine: boolean };

/** Applies one change to a state (devices are already validated by parseJournal). */
export function applyRecord(devices: Map<string, PairedDevice>, deviceJson: Map<string, string>, record: JournalRecord): string[] {
  const ids: string[] = [];
  for (const id of record.del ?? []) {
    devices.delete(id);
    deviceJson.delete(id);
    ids.push(id);
  }
  for (const [id, device] of Object.entries(record.put ?? {})) {
    devices.set(id, device);
    deviceJson.set(id, JSON.stringify(device));
    ids.push(id);
  }
  return ids;
}

/** Pure: a snapshot (or none) and a parsed journal (or none) → the state they describe, or why they disagree. */
export function combine(snapshot: StoreFileV2 | undefined, journal: ParsedJournal | undefined, journalFile: string): Combined {
  const devices = new Map<string, PairedDevice>();
  const deviceJson = new Map<string, string>();
  for (const [id, device] of Object.entries(snapshot?.devices ?? {})) {
    devices.set(id, device);
    deviceJson.set(id, JSON.stringify(device));
  }
  let generation = snapshot?.generation ?? 0;
  const journalId = snapshot?.journalId;
  const state: LoadedState = { devices, deviceJson, generation, journalId, replayed: 0, snapshotExists: snapshot !== undefined };
  if (!journal) {
    if (journalId) return { ok: false, quarantine: false, error: `${journalFile} is missing, but the store file expects its changes; restore it or reset explicitly` };
    return { ok: true, state };
  }
  if (journal.corrupt) return { ok: false, quarantine: true, error: `${journalFile} is damaged at byte ${journal.corrupt.offset} (${journal.corrupt.reason})` };
  if (!journal.header) return { ok: false, quarantine: true, error: `${journalFile} has no readable header` };
  const records = journal.records;
  if (journal.header.id !== journalId) {
    // A journal left over from another store (or from before a reset) that holds no change is harmless.
    if (records.length === 0) return { ok: true, state };
    return {
      ok: false, quarantine: false,
      error: `${journalFile} holds ${records.length} change(s) of another store (${journal.header.id}) than the store file (${journalId ?? 'written without a journal'}); restore the matching pair or reset explicitly`,
    };
  }
  if (journal.header.base > generation) {
    return { ok: false, quarantine: false, error: `the store file (generation ${generation}) is older than its journal (which starts at ${journal.header.base}); restore the matching pair or reset explicitly` };
  }
  for (const { record, end: recordEnd } of records) {
    if (record.g <= generation) continue; // already folded into the snapshot
    if (record.g !== generation + 1) {
      return { ok: false, quarantine: true, error: `${journalFile} skips from generation ${generation} to ${record.g} at byte ${recordEnd}` };
    }
    applyRecord(devices, deviceJson, record);
    generation = record.g;
    state.replayed++;
  }
  state.generation = generation;
  state.journal = { ino: 0n, end: journal.goodEnd, records: records.length };
  if (journal.torn) state.torn = journal.torn;
  return { ok: true, state };
}

export type LoadResult = { ok: true; state: LoadedState } | { ok: false; health: StoreHealth };

/**
 * Full read of snapshot and journal. Caller holds the store lock: a corrupt snapshot or journal is moved
 * aside (quarantined) here; cutting a torn tail is left to the caller, which owns the journal writer.
 */
export async function loadStore(file: string, journalFile: string, now: () => number): Promise<LoadResult> {
  const res = await readJsonDocument(file, StoreFileV2Schema, migrate, { now, backupOf: redactV1Tokens });
  if (!res.ok) return { ok: false, health: { ok: false, error: res.error, ...(res.quarantinedTo ? { quarantinedTo: res.quarantinedTo } : {}) } };
  let read: ReturnType<typeof readJournalSync>;
  try {
    read = readJournalSync(journalFile);
  } catch (err) {
    return { ok: false, health: { ok: false, error: `cannot read ${journalFile}: ${(err as Error).message}` } };
  }
  if (read) {
    const unsafe = unsafeFileReason(read.st.stat);
    if (unsafe) return { ok: false, health: { ok: false, error: `${journalFile} ${unsafe}` } };
  } else if (!res.value || res.value.journalId) {
    // The journal was moved aside earlier: missing is not "no changes".
    const earlier = await latestQuarantine(journalFile);
    if (earlier) return { ok: false, health: { ok: false, quarantinedTo: earlier, error: `${journalFile} was damaged and moved to ${earlier}; restore it or reset explicitly` } };
  }
  const combined = combine(res.value, read ? parseJournal(read.bytes) : undefined, journalFile);
  if (!combined.ok) {
    if (!combined.quarantine) return { ok: false, health: { ok: false, error: combined.error } };
    try {
      const quarantinedTo = await quarantineFile(journalFile, now());
      return { ok: false, health: { ok: false, quarantinedTo, error: `${combined.error}; moved to ${quarantinedTo}` } };
    } catch (err) {
      return { ok: false, health: { ok: false, error: `${combined.error}; could not move it aside: ${(err as Error).message}` } };
    }
  }
  const state = combined.state;
  if (read && state.journal) state.journal.ino = read.st.ino;
  return { ok: true, state };
}

/**
 * Lock-free read of a clean pair (safe modes, current format, no damage): what another process just wrote.
 * Undefined when anything needs the locked path (quarantine, migration, refusal).
 */
export function readStoreSync(file: string, journalFile: string): LoadedState | undefined {
  let snapshot: StoreFileV2 | undefined;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  if (fd !== undefined) {
    try {
      if (unsafeFileReason(fstatSync(fd))) return undefined;
      const decoded = decodeJsonDocument(readFileSync(fd), StoreFileV2Schema, migrate);
      if (decoded.migratedFrom !== undefined) return undefined;
      snapshot = decoded.value;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }
  const read = readJournalSync(journalFile);
  if (read && unsafeFileReason(read.st.stat)) return undefined;
  if (!snapshot && !read) return undefined; // both gone: the locked path looks for copies moved aside
  const parsed = read ? parseJournal(read.bytes) : undefined;
  const combined = combine(snapshot, parsed, journalFile);
  if (!combined.ok) return undefined;
  const state = combined.state;
  if (read && state.journal) state.journal.ino = read.st.ino;
  delete state.torn; // maybe a write in progress: left unread, cut only under the lock
  return state;
}

/**
 * Read-only view of a store folder (snapshot then journal) for tools and tests: the devices as a running
 * store would see them. Throws when the pair cannot be read; never moves or writes anything.
 */
export async function readStoreState(file: string, journalFile: string): Promise<StoreFileV2> {
  const bytes = await fsp.readFile(file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  const snapshot = bytes ? decodeJsonDocument(bytes, StoreFileV2Schema, migrate).value : undefined;
  const read = readJournalSync(journalFile);
  const combined = combine(snapshot, read ? parseJournal(read.bytes) : undefined, journalFile);
  if (!combined.ok) throw new Error(combined.error);
  const s = combined.state;
  return {
    version: 2, generation: s.generation, updatedAtMs: snapshot?.updatedAtMs ?? 0, ...(s.journalId ? { journalId: s.journalId } : {}),
    devices: Object.fromEntries(s.devices),
  };
}
