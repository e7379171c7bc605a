// Paired devices, shared on disk by the tray app, the headless gateway and the CLI.
// - Reads are from memory (every handshake calls get()); a throttled stat notices writes by other processes.
// - On disk: a snapshot (pairing.json) and a journal beside it (pairing.journal, see journal.ts). A change
//   appends one record and fsyncs it, so a decision costs the same with 10 or 10,000 devices paired; the
//   snapshot is rewritten only when the journal passes a quarter of its size, at startup after replay, and
//   at clean shutdown.
// - Writes happen under a cross-process lock after replaying whatever other processes appended, so two
//   processes approving at once both keep their device (no lost update).
// - An unreadable snapshot or a journal damaged anywhere but its last record is moved aside and the store
//   fails closed: approvals are never silently wiped. A torn last record (crash mid-append) is cut and reported.
// - lastSeen/lastUsed updates stay in memory and are written in batches (1000 reconnects ≠ 1000 writes).
import { randomUUID } from 'node:crypto';
import { statSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import type { StoreHealth } from '../../shared/pairing-types';
import { cleanupOrphanTmp, ensurePrivateDir, writeFileAtomic } from './atomic-file';
import { DraftDevices } from './draft-devices';
import { withFileLock } from './file-lock';
import { JournalWriter, encodeChangeLine, parseJournal, readJournalSync, snapshotText, statIdentity, JOURNAL_FORMAT } from './journal';
import { quarantineFile } from './json-file-store';
import { applyRecord, loadStore, readStoreSync, type LoadedState } from './store-load';
import { mergedJson, sameEntries, statOrUndefined, type Change } from './store-files';
import { StoreUnavailableError, type PairingStoreOptions, type StoreIoStats } from './store-options';
import { PairedDeviceSchema, STORE_VERSION, type PairedDevice } from './store-schema';
import { applyTouch, mergeTouch, touchFromPatch, withSafeTokens, type PendingTouch, type TouchPatch } from './touches';

export type { PairedDevice, TokenRecord } from './store-schema';
export { StoreUnavailableError, type PairingStoreOptions, type StoreIoStats } from './store-options';
export type { TouchPatch } from './touches';

const MIN_JOURNAL_BYTES = 1024 * 1024;

export class PairingStore {
  readonly dir: string;
  readonly filePath: string;
  readonly journalPath: string;
  private readonly fileName: string;
  private readonly lockPath: string;
  private readonly now: () => number;
  private readonly flushMs: number;
  private readonly refreshIntervalMs: number;
  private readonly lockTimeoutMs: number;
  private readonly journalOn: boolean;
  private readonly journalMaxBytes: number | undefined;
  private readonly writer: JournalWriter;

  private devices = new Map<string, PairedDevice>();
  /** Each device's JSON exactly as on disk (without pending touches): unchanged devices are never re-serialised. */
  private deviceJson = new Map<string, string>();
  /** Generation of the last change applied (from the snapshot or the journal). */
  private generation = 0;
  /** Lineage shared by the snapshot and its journal; undefined until this folder has a journal. */
  private journalId: string | undefined;
  private snapshotExists = false;
  /** ino/size/mtime/ctime of the snapshot as last read or written; anything else means another process wrote it. */
  private snapshotIdentity: string | undefined;
  private snapshotBytes = 0;
  /** The journal read up to journalEnd (by inode); undefined: no journal belongs to the snapshot yet. */
  private journalIno: bigint | undefined;
  private journalEnd = 0;
  private journalRecords = 0;
  /** Files as they were when the store failed closed: it looks again only when they change. */
  private failedIdentity: string | undefined;
  private notice: string | undefined;
  private state: StoreHealth = { ok: true };
  private pending = new Map<string, PendingTouch>();
  private flushTimer: NodeJS.Timeout | undefined;
  private lastRefreshAt = -Infinity;
  private reloading: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly stats: StoreIoStats = { bytesWritten: 0, appends: 0, snapshots: 0, compactions: 0, fullReads: 0 };
  private closed = false;
  private holdingLock = false;

  private constructor(dir: string, opts: PairingStoreOptions) {
    this.dir = path.resolve(dir);
    this.fileName = opts.fileName ?? 'pairing.json';
    this.filePath = path.join(this.dir, this.fileName);
    this.journalPath = path.join(this.dir, `${this.fileName.replace(/\.json$/, '')}.journal`);
    this.lockPath = `${this.filePath}.lock`;
    this.now = opts.now ?? Date.now;
    this.flushMs = opts.lastSeenFlushMs ?? 60_000;
    this.refreshIntervalMs = opts.refreshIntervalMs ?? 50;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 5000;
    this.journalOn = opts.journal ?? true;
    this.journalMaxBytes = opts.journalMaxBytes;
    this.writer = new JournalWriter(this.journalPath);
  }

  /**
   * Opens (never creates) the store. A store from before the journal gets its journal here (migration); a
   * journal with changes is folded into a fresh snapshot just after. Store problems show in health(); only
   * I/O on the folder or a lock timeout throw.
   */
  static async open(dir: string, opts: PairingStoreOptions = {}): Promise<PairingStore> {
    const store = new PairingStore(dir, opts);
    await ensurePrivateDir(store.dir);
    await store.locked(async () => {
      // Temp files of writers killed before their rename.
      for (const base of [store.fileName, store.journalPath, store.lockPath]) await cleanupOrphanTmp(store.dir, path.basename(base));
      await store.loadLocked();
      if (!store.state.ok || !store.journalOn) return;
      if (store.snapshotExists && store.journalIno === undefined) await store.ensureLineageLocked();
    });
    store.lastRefreshAt = performance.now();
    // Changes replayed from the journal are folded into a new snapshot right after opening, off the path to
    // ready (the store already serves them from memory).
    if (store.journalRecords > 0) store.compactSoon();
    return store;
  }

  health(): StoreHealth {
    this.refreshIfChanged();
    return { ...this.state };
  }

  /** The stored record (treat it as read-only; change it through mutate). */
  get(deviceId: string): PairedDevice | undefined {
    this.refreshIfChanged();
    return this.devices.get(deviceId);
  }

  list(): PairedDevice[] {
    this.refreshIfChanged();
    return [...this.devices.values()];
  }

  size(): number {
    this.refreshIfChanged();
    return this.devices.size;
  }

  /** What this store has written and read so far (for the benchmark, the soak and tests). */
  ioStats(): StoreIoStats {
    return { ...this.stats };
  }

  /**
   * Runs `fn` on a copy of the devices under the cross-process lock, after replaying what other processes
   * appended, and records the result if it differs (one journal record, on disk before this resolves). If
   * `fn` throws, or the result is invalid, or the write fails, nothing is written and memory is unchanged.
   * `fn` must be synchronous.
   */
  async mutate<T>(fn: (devices: Map<string, PairedDevice>) => T): Promise<T> {
    if (this.closed) throw new Error('pairing store is closed');
    if (this.reloading) await this.reloading;
    const result = await this.locked(async () => {
      await this.catchUpLocked();
      if (!this.state.ok) throw new StoreUnavailableError({ ...this.state });

      // Copy-on-write: only devices fn reads or writes are cloned, so a change costs what it touches.
      const draft = new DraftDevices(this.devices);
      const out = fn(draft);
      if (isPromiseLike(out)) throw new TypeError('mutate(fn): fn must be synchronous (do async work before mutate)');
      // Devices with touches waiting in memory differ from the file too; they ride along with this write.
      const taken = this.pending;
      for (const id of taken.keys()) draft.get(id);
      const changes = this.validatedChanges(draft);
      if (changes.size === 0) {
        this.pending = new Map();
        return out;
      }
      // Touches taken now are in the draft; ones arriving during the write stay pending for the next flush.
      this.pending = new Map();
      const generation = this.generation + 1;
      try {
        if (this.journalOn) await this.appendLocked(generation, changes);
        else await this.rewriteLocked(generation, changes);
      } catch (err) {
        this.restorePending(taken);
        throw err;
      }
      this.applyChanges(changes);
      this.generation = generation;
      this.emitChange();
      return out;
    });
    this.compactSoonIfLarge();
    return result;
  }

  /**
   * What the draft changed, validated: device → its new record and JSON, or null when removed. Devices whose
   * JSON equals the file's are left out. Throws (nothing written) if fn left something we could not read back.
   */
  private validatedChanges(draft: DraftDevices): Map<string, Change> {
    const changes = new Map<string, Change>();
    for (const id of draft.removed) if (this.deviceJson.has(id)) changes.set(id, null);
    for (const [id, device] of draft.touched()) {
      if (id === '__proto__') throw new TypeError('mutate(fn): "__proto__" is not a valid device id');
      const parsed = PairedDeviceSchema.safeParse(device);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TypeError(`mutate(fn) produced an invalid store at devices.${id}.${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
      }
      if (parsed.data.deviceId !== id) throw new TypeError(`mutate(fn) produced an invalid store at devices.${id}: record for "${parsed.data.deviceId}" filed under "${id}"`);
      const json = JSON.stringify(parsed.data);
      if (json !== this.deviceJson.get(id)) changes.set(id, { device: parsed.data, json });
    }
    return changes;
  }

  /** One record, fsynced. A failed append is cut back so the journal never keeps half a record. */
  private async appendLocked(generation: number, changes: Map<string, Change>): Promise<void> {
    await this.ensureLineageLocked();
    const line = encodeChangeLine(generation, this.now(), changes);
    try {
      await this.writer.append(line, this.journalIno!);
    } catch (err) {
      await this.writer.truncate(this.journalEnd).catch(() => undefined); // if this fails too, the next write cuts it
      throw err;
    }
    this.journalEnd += line.length;
    this.journalRecords++;
    this.stats.appends++;
    this.stats.bytesWritten += line.length;
  }

  /** The whole-file rewrite (journal off): kept for the benchmark's comparison. */
  private async rewriteLocked(generation: number, changes: Map<string, Change>): Promise<void> {
    const text = snapshotText(STORE_VERSION, generation, this.now(), undefined, mergedJson(this.deviceJson, changes));
    await writeFileAtomic(this.filePath, text);
    this.snapshotExists = true;
    this.snapshotIdentity = statIdentity(await statOrUndefined(this.filePath).catch(() => undefined));
    this.snapshotBytes = Buffer.byteLength(text);
    this.stats.snapshots++;
    this.stats.bytesWritten += this.snapshotBytes;
  }

  private applyChanges(changes: Map<string, Change>): void {
    for (const [id, change] of changes) {
      if (change) {
        this.devices.set(id, withSafeTokens(change.device));
        this.deviceJson.set(id, change.json);
      } else {
        this.devices.delete(id);
        this.deviceJson.delete(id);
      }
      const t = this.pending.get(id);
      const device = this.devices.get(id);
      if (t && device) applyTouch(device, t);
    }
  }

  /**
   * A journal for this folder: the journal first (atomically, holding only its header), then a snapshot that
   * names it. A kill in between leaves an empty journal that the old snapshot ignores.
   */
  private async ensureLineageLocked(): Promise<void> {
    if (this.journalId !== undefined && this.journalIno !== undefined) return;
    const id = this.journalId ?? randomUUID();
    await this.startJournalLocked(id);
    if (this.journalId !== id || !this.snapshotExists) await this.writeSnapshotLocked(id);
    this.journalId = id;
  }

  private async startJournalLocked(id: string): Promise<void> {
    const st = await this.writer.start({ journal: JOURNAL_FORMAT, id, base: this.generation, createdAtMs: this.now() });
    this.journalIno = st.ino;
    this.journalEnd = st.size;
    this.journalRecords = 0;
    this.stats.bytesWritten += st.size;
  }

  private async writeSnapshotLocked(id: string): Promise<void> {
    const text = snapshotText(STORE_VERSION, this.generation, this.now(), id, this.deviceJson);
    await writeFileAtomic(this.filePath, text);
    this.snapshotExists = true;
    this.snapshotIdentity = statIdentity(await statOrUndefined(this.filePath));
    this.snapshotBytes = Buffer.byteLength(text);
    this.stats.snapshots++;
    this.stats.bytesWritten += this.snapshotBytes;
  }

  /**
   * Folds the journal into a new snapshot. Crash-safe at every step: the snapshot is replaced first (records
   * it holds are skipped on replay by their generation), then the journal is replaced by an empty one.
   */
  private async compactLocked(): Promise<void> {
    if (!this.journalOn || !this.state.ok || this.journalId === undefined || this.journalIno === undefined || this.journalRecords === 0) return;
    await this.writeSnapshotLocked(this.journalId);
    if (process.env.LOOPGATE_FAULT === 'crash-mid-compaction') process.kill(process.pid, 'SIGKILL'); // tests only
    await this.startJournalLocked(this.journalId);
    this.stats.compactions++;
  }

  /** Compacts now (under the lock, after replaying other processes' records). */
  async compact(): Promise<void> {
    if (this.closed) return;
    if (this.reloading) await this.reloading;
    await this.locked(async () => {
      await this.catchUpLocked();
      await this.compactLocked();
    });
  }

  private journalLimit(): number {
    // A quarter of the snapshot: a decision then costs its record plus, amortised, four more of its size for
    // compaction, and a cold start replays at most a quarter of the snapshot's worth of records.
    return this.journalMaxBytes ?? Math.max(MIN_JOURNAL_BYTES, this.snapshotBytes / 4);
  }

  /** After the decision is acknowledged: a journal past its limit is compacted off the caller's path. */
  private compactSoonIfLarge(): void {
    if (this.journalEnd > this.journalLimit()) this.compactSoon();
  }

  async idle(): Promise<void> { while (this.compacting) await this.compacting; } // its lock and temp file gone too

  private compactSoon(): void {
    if (this.compacting || !this.journalOn) return;
    this.compacting = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.compact())
      .catch(() => undefined) // a failed compaction leaves snapshot and journal as they were; the next write retries
      .finally(() => {
        this.compacting = undefined;
      });
  }

  /** Under the lock: brings memory up to the files (other processes' appends, or a full re-read). */
  private async catchUpLocked(): Promise<void> {
    const snapSt = await statOrUndefined(this.filePath);
    const journalSt = await statOrUndefined(this.journalPath);
    const snapId = statIdentity(snapSt);
    if (!this.state.ok) {
      if (this.failedIdentity === `${snapId}|${statIdentity(journalSt)}`) return;
    } else if (snapId === this.snapshotIdentity) {
      if (!journalSt && this.journalIno === undefined) return;
      if (journalSt && journalSt.ino === this.journalIno) {
        const size = Number(journalSt.size);
        if (size === this.journalEnd) return;
        if (size > this.journalEnd && (await this.replayTail(true))) return;
      }
    }
    await this.loadLocked();
  }

  /**
   * Applies records other processes appended after journalEnd. Holding the lock, a damaged last record is cut
   * (its writer died); without it, it may be a write in progress and is left for later. Returns false when
   * what follows is not a plain continuation (then a full re-read decides).
   */
  private replayTail(locked: boolean): Promise<boolean> | boolean {
    const read = readJournalSync(this.journalPath, this.journalEnd);
    if (!read || read.st.ino !== this.journalIno) return false;
    const parsed = parseJournal(read.bytes, this.journalEnd);
    if (parsed.corrupt) return false;
    let g = this.generation;
    for (const { record } of parsed.records) {
      if (record.g !== g + 1) return false;
      g = record.g;
    }
    let changed = false;
    for (const { record } of parsed.records) {
      for (const id of applyRecord(this.devices, this.deviceJson, record)) {
        const device = this.devices.get(id);
        if (!device) continue;
        withSafeTokens(device);
        const t = this.pending.get(id);
        if (t) applyTouch(device, t);
      }
      changed = true;
    }
    this.generation = g;
    this.journalRecords += parsed.records.length;
    this.journalEnd = parsed.goodEnd;
    if (changed) this.emitChange();
    if (!locked || !parsed.torn) return true;
    return this.cutTornTail(parsed.goodEnd, parsed.torn.reason).then(() => true);
  }

  private async cutTornTail(at: number, reason: string): Promise<void> {
    await this.writer.truncate(at);
    this.notice = `a damaged last record in ${this.journalPath} (${reason}; a write interrupted by a crash) was cut off at byte ${at}; every change before it is kept`;
    this.state = { ok: true, notice: this.notice };
    this.emitChange();
  }

  /**
   * Cheap check (one stat of each file, at most every refreshIntervalMs) for writes by other processes.
   * Appends are replayed at once from where we stopped reading; anything else re-reads both files.
   */
  refreshIfChanged(): void {
    if (this.closed || this.reloading || this.holdingLock) return;
    const t = performance.now();
    if (t - this.lastRefreshAt < this.refreshIntervalMs) return;
    this.lastRefreshAt = t;
    let snapSt: BigIntStats | undefined;
    let journalSt: BigIntStats | undefined;
    try {
      snapSt = statSync(this.filePath, { bigint: true, throwIfNoEntry: false });
      journalSt = statSync(this.journalPath, { bigint: true, throwIfNoEntry: false });
    } catch {
      return; // transient stat error: keep serving what we have, look again next time
    }
    const snapId = statIdentity(snapSt);
    if (!this.state.ok) {
      if (this.failedIdentity !== `${snapId}|${statIdentity(journalSt)}`) this.reloadInBackground(false);
      return;
    }
    if (snapId === this.snapshotIdentity) {
      if (!journalSt && this.journalIno === undefined) return;
      if (journalSt && journalSt.ino === this.journalIno) {
        const size = Number(journalSt.size);
        if (size === this.journalEnd) return;
        try {
          if (size > this.journalEnd && this.replayTail(false)) return;
        } catch {
          // unreadable for a moment: the locked re-read decides
        }
      }
    }
    // Not a plain append (a compaction or reset by another process, an old build, a hand edit): read both files
    // now, as at open; anything that is not a clean pair is left to the locked path (quarantine, migration).
    try {
      const fresh = readStoreSync(this.filePath, this.journalPath);
      this.stats.fullReads++;
      if (fresh) {
        this.adopt(fresh, false);
        this.snapshotIdentity = snapId;
        this.snapshotBytes = snapSt ? Number(snapSt.size) : 0;
        return;
      }
    } catch {
      // fall through: fail closed while the locked path decides
    }
    this.reloadInBackground(false);
  }

  /** Records a reconnect in memory; written by the debounced flush or the next mutate (ST-11). */
  touch(deviceId: string, patch: TouchPatch): void {
    if (this.closed || !this.state.ok) return;
    const device = this.devices.get(deviceId);
    if (!device) return;
    const t = touchFromPatch(patch);
    applyTouch(device, t);
    const pending = this.pending.get(deviceId);
    if (pending) mergeTouch(pending, t);
    else this.pending.set(deviceId, t);
    this.armFlush();
  }

  /** Writes pending touches now (through mutate, so under the lock and on top of the latest files). */
  async flush(): Promise<void> {
    if (this.closed || this.pending.size === 0 || !this.state.ok) return;
    await this.mutate(() => undefined);
  }

  /** Writes pending touches and folds the journal into the snapshot (best effort: a failure loses nothing). */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    try {
      if (this.reloading) await this.reloading;
      await this.flush();
      await this.idle();
      if (this.journalRecords > 0) await this.compact();
    } catch {
      // disk full or lock timeout at exit: the touches are lost, the approvals are not (they are in the journal)
    } finally {
      clearTimeout(this.flushTimer); // a failed flush re-arms it
      this.flushTimer = undefined;
      this.closed = true;
      this.listeners.clear();
      await this.writer.closeHandle();
    }
  }

  /** Called after every successful write and every reload that changed something. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts an empty store after the user explicitly chose to. Copies moved aside stay; a snapshot or journal
   * still in place (newer format, unsafe mode, another lineage) is moved aside too. Refuses when the store is
   * readable.
   */
  async resetQuarantined(): Promise<void> {
    if (this.closed) throw new Error('pairing store is closed');
    if (this.reloading) await this.reloading;
    await this.locked(async () => {
      await this.catchUpLocked();
      if (this.state.ok) throw new Error('pairing store is readable; refusing to reset it');
      if (await statOrUndefined(this.filePath)) await quarantineFile(this.filePath, this.now());
      if (await statOrUndefined(this.journalPath)) await quarantineFile(this.journalPath, this.now());
      this.adopt({ devices: new Map(), deviceJson: new Map(), generation: 0, replayed: 0, snapshotExists: false }, true);
      if (this.journalOn) await this.ensureLineageLocked();
      else await this.rewriteLocked(0, new Map());
    });
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, async () => {
      // While we hold the lock nobody else writes, and our own half-finished write must not be "replayed".
      this.holdingLock = true;
      try {
        return await fn();
      } finally {
        this.holdingLock = false;
      }
    }, { timeoutMs: this.lockTimeoutMs });
  }

  /** Full read path; caller holds the lock. */
  private async loadLocked(): Promise<void> {
    const res = await loadStore(this.filePath, this.journalPath, this.now);
    this.stats.fullReads++;
    if (!res.ok) {
      const failed = `${statIdentity(await statOrUndefined(this.filePath))}|${statIdentity(await statOrUndefined(this.journalPath))}`;
      this.failClosed(res.health, failed);
      return;
    }
    const st = await statOrUndefined(this.filePath);
    this.adopt(res.state, false);
    this.snapshotIdentity = statIdentity(st);
    this.snapshotBytes = st ? Number(st.size) : 0;
    if (res.state.torn && res.state.journal) await this.cutTornTail(res.state.journal.end, res.state.torn.reason);
  }

  private reloadInBackground(keepServing: boolean): void {
    if (!keepServing) {
      this.devices = new Map(); // fail closed while we find out what the files are
      this.state = { ok: false, error: 'pairing store changed on disk and is being re-read' };
    }
    this.reloading = this.locked(() => this.loadLocked())
      .catch((err: unknown) => this.failClosed({ ok: false, error: `cannot re-read the pairing store: ${(err as Error).message}` }, undefined))
      .finally(() => {
        this.reloading = undefined;
      });
  }

  private adopt(s: LoadedState, forceNotify: boolean): void {
    const changed = forceNotify || !this.state.ok || !sameEntries(s.deviceJson, this.deviceJson);
    for (const device of s.devices.values()) withSafeTokens(device);
    this.devices = s.devices;
    this.deviceJson = s.deviceJson;
    this.generation = s.generation;
    this.journalId = s.journalId;
    this.snapshotExists = s.snapshotExists;
    this.journalIno = s.journal?.ino;
    this.journalEnd = s.journal?.end ?? 0;
    this.journalRecords = s.journal?.records ?? 0;
    this.failedIdentity = undefined;
    this.state = this.notice ? { ok: true, notice: this.notice } : { ok: true };
    for (const [id, t] of this.pending) {
      const device = this.devices.get(id);
      if (device) applyTouch(device, t);
    }
    if (changed) this.emitChange();
  }

  private failClosed(health: StoreHealth, failedIdentity: string | undefined): void {
    this.state = health;
    this.devices = new Map();
    this.deviceJson = new Map();
    this.failedIdentity = failedIdentity;
    this.journalIno = undefined;
    this.pending.clear();
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.emitChange();
  }

  private restorePending(taken: Map<string, PendingTouch>): void {
    for (const [id, t] of taken) {
      const newer = this.pending.get(id);
      if (newer) mergeTouch(t, newer);
      this.pending.set(id, t);
    }
    if (this.pending.size > 0) this.armFlush();
  }

  private armFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      // A failed flush keeps its touches pending and re-arms; nobody awaits this promise.
      this.flush().catch(() => undefined);
    }, this.flushMs);
    this.flushTimer.unref();
  }

  private emitChange(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // a listener's bug must not break the store
      }
    }
  }
}

function isPromiseLike(v: unknown): boolean {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
