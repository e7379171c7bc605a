// Paired devices, shared on disk by the tray app, the headless gateway and the CLI.
// - Reads are from memory (every handshake calls get()); a throttled stat notices writes by other processes.
// - Writes re-read under a cross-process lock, apply the change to a copy, validate, then replace the file
//   atomically, so two processes approving at once both keep their device (no lost update).
// - An unreadable file is moved aside and the store fails closed: approvals are never silently wiped.
// - lastSeen/lastUsed updates stay in memory and are written in batches (1000 reconnects ≠ 1000 writes).
import { closeSync, fstatSync, openSync, readFileSync, statSync, promises as fsp, type BigIntStats } from 'node:fs';
import path from 'node:path';
import type { StoreHealth } from '../../shared/pairing-types';
import { cleanupOrphanTmp, ensurePrivateDir, errnoCode, writeFileAtomic } from './atomic-file';
import { withFileLock } from './file-lock';
import { decodeJsonDocument, quarantineFile, readJsonDocument, unsafeFileReason, writeJsonDocument } from './json-file-store';
import { migrate, redactV1Tokens } from './migrations';
import { emptyStoreFile, PairedDeviceSchema, STORE_VERSION, StoreFileV2Schema, type PairedDevice, type StoreFileV2, type TokenRecord } from './store-schema';

export type { PairedDevice, TokenRecord } from './store-schema';

export interface PairingStoreOptions {
  /** Default 'pairing.json'. */
  fileName?: string;
  /** How long touch() updates may wait in memory before they are written. Default 60 000 ms. */
  lastSeenFlushMs?: number;
  /** Wall clock for stored timestamps. */
  now?: () => number;
  /** Minimum time between checks for changes made by other processes. Default 50 ms. */
  refreshIntervalMs?: number;
  /** How long to wait for another process holding the store lock. Default 5000 ms. */
  lockTimeoutMs?: number;
}

export interface TouchPatch {
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  remoteIp?: string;
  /** With tokenLastUsedAtMs: the role whose token was just used. */
  tokenRole?: string;
  tokenLastUsedAtMs?: number;
}

export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(readonly health: StoreHealth) {
    super(`pairing store unavailable: ${health.error ?? 'unknown error'}`);
    this.name = 'StoreUnavailableError';
  }
}

/** Touch fields waiting to be written for one device. */
interface PendingTouch {
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  remoteIp?: string;
  tokenLastUsed?: Record<string, number>;
}

const MISSING = 'missing';

export class PairingStore {
  readonly dir: string;
  readonly filePath: string;
  private readonly fileName: string;
  private readonly lockPath: string;
  private readonly now: () => number;
  private readonly flushMs: number;
  private readonly refreshIntervalMs: number;
  private readonly lockTimeoutMs: number;

  private devices = new Map<string, PairedDevice>();
  /** Each device's JSON exactly as on disk (without pending touches): unchanged devices are never re-serialised. */
  private deviceJson = new Map<string, string>();
  private generation = 0;
  /** ino/size/mtime/ctime of the file we last read or wrote; anything else means another process wrote it. */
  private identity: string | undefined;
  private state: StoreHealth = { ok: true };
  private pending = new Map<string, PendingTouch>();
  private flushTimer: NodeJS.Timeout | undefined;
  private lastRefreshAt = -Infinity;
  private reloading: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  private constructor(dir: string, opts: PairingStoreOptions) {
    this.dir = path.resolve(dir);
    this.fileName = opts.fileName ?? 'pairing.json';
    this.filePath = path.join(this.dir, this.fileName);
    this.lockPath = `${this.filePath}.lock`;
    this.now = opts.now ?? Date.now;
    this.flushMs = opts.lastSeenFlushMs ?? 60_000;
    this.refreshIntervalMs = opts.refreshIntervalMs ?? 50;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 5000;
  }

  /** Opens (never creates) the store file. Store problems show in health(); only I/O on the folder or a lock timeout throw. */
  static async open(dir: string, opts: PairingStoreOptions = {}): Promise<PairingStore> {
    const store = new PairingStore(dir, opts);
    await ensurePrivateDir(store.dir);
    await store.locked(async () => {
      await cleanupOrphanTmp(store.dir, store.fileName); // temp files of writers killed before their rename
      await store.loadLocked();
    });
    store.lastRefreshAt = performance.now();
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

  /**
   * Runs `fn` on a copy of the devices under the cross-process lock, after re-reading the file if another
   * process changed it, and writes the result if it differs. If `fn` throws, or the result is invalid, or the
   * write fails, nothing is written and memory is unchanged. `fn` must be synchronous.
   */
  async mutate<T>(fn: (devices: Map<string, PairedDevice>) => T): Promise<T> {
    if (this.closed) throw new Error('pairing store is closed');
    if (this.reloading) await this.reloading;
    return this.locked(async () => {
      if ((await fileIdentity(this.filePath)) !== this.identity) await this.loadLocked();
      if (!this.state.ok) throw new StoreUnavailableError({ ...this.state });

      // Copy-on-write: only devices fn reads or writes are cloned, so a change costs what it touches.
      const draft = new DraftDevices(this.devices);
      const result = fn(draft);
      if (isPromiseLike(result)) throw new TypeError('mutate(fn): fn must be synchronous (do async work before mutate)');
      // Devices with touches waiting in memory differ from the file too; they ride along with this write.
      const taken = this.pending;
      for (const id of taken.keys()) draft.get(id);
      const changes = this.validatedChanges(draft);
      if (changes.size === 0) {
        this.pending = new Map();
        return result;
      }

      // Touches taken now are in the draft; ones arriving during the write stay pending for the next flush.
      this.pending = new Map();
      const nextJson = new Map(this.deviceJson);
      for (const [id, change] of changes) {
        if (change) nextJson.set(id, change.json);
        else nextJson.delete(id);
      }
      const generation = this.generation + 1;
      try {
        await writeFileAtomic(this.filePath, storeFileText(generation, this.now(), nextJson));
      } catch (err) {
        this.restorePending(taken);
        throw err;
      }
      for (const [id, change] of changes) {
        if (change) this.devices.set(id, withSafeTokens(change.device));
        else this.devices.delete(id);
      }
      for (const [id, t] of this.pending) {
        const device = this.devices.get(id);
        if (device) applyTouch(device, t);
      }
      this.deviceJson = nextJson;
      this.generation = generation;
      this.identity = await fileIdentity(this.filePath).catch(() => undefined);
      this.emitChange();
      return result;
    });
  }

  /**
   * What the draft changed, validated: device → its new record and JSON, or null when removed. Devices whose
   * JSON equals the file's are left out. Throws (nothing written) if fn left something we could not read back.
   */
  private validatedChanges(draft: DraftDevices): Map<string, { device: PairedDevice; json: string } | null> {
    const changes = new Map<string, { device: PairedDevice; json: string } | null>();
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

  /** Cheap check (one stat, at most every refreshIntervalMs) for writes by other processes; reloads if there were. */
  refreshIfChanged(): void {
    if (this.closed || this.reloading) return;
    const t = performance.now();
    if (t - this.lastRefreshAt < this.refreshIntervalMs) return;
    this.lastRefreshAt = t;
    let identity: string;
    try {
      const st = statSync(this.filePath, { bigint: true, throwIfNoEntry: false });
      identity = st ? identityOf(st) : MISSING;
    } catch {
      return; // transient stat error: keep serving what we have, look again next time
    }
    if (identity === this.identity) return;
    try {
      if (identity === MISSING) throw new Error('store file removed');
      const read = readFileSyncWithIdentity(this.filePath);
      if (unsafeFileReason(read.stat)) throw new Error('unsafe file');
      const decoded = decodeJsonDocument(read.bytes, StoreFileV2Schema, migrate);
      if (decoded.migratedFrom !== undefined) throw new Error('needs migration');
      this.adopt(decoded.value, identityOf(read.stat), false);
    } catch {
      // Not a plain valid current file (corrupt, older or newer format, unsafe, removed): stop trusting memory
      // now and let the locked path decide, exactly as at open (quarantine, migrate with backup, or refuse).
      this.reloadInBackground();
    }
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

  /** Writes pending touches now (through mutate, so under the lock and on top of the latest file). */
  async flush(): Promise<void> {
    if (this.closed || this.pending.size === 0 || !this.state.ok) return;
    await this.mutate(() => undefined);
  }

  /** Writes pending touches (best effort: lastSeen is informational, so a failure here does not fail shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    try {
      if (this.reloading) await this.reloading;
      await this.flush();
    } catch {
      // disk full or lock timeout at exit: the touches are lost, the approvals are not
    } finally {
      clearTimeout(this.flushTimer); // a failed flush re-arms it
      this.flushTimer = undefined;
      this.closed = true;
      this.listeners.clear();
    }
  }

  /** Called after every successful write and every reload that changed something. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts an empty store after the user explicitly chose to. Copies moved aside stay; a file still in place
   * (newer format, unsafe mode) is moved aside too. Refuses when the store is readable.
   */
  async resetQuarantined(): Promise<void> {
    if (this.closed) throw new Error('pairing store is closed');
    if (this.reloading) await this.reloading;
    await this.locked(async () => {
      if ((await fileIdentity(this.filePath)) !== this.identity) await this.loadLocked();
      if (this.state.ok) throw new Error('pairing store is readable; refusing to reset it');
      if (this.identity !== MISSING) await quarantineFile(this.filePath, this.now());
      const fresh = emptyStoreFile(this.now());
      await writeJsonDocument(this.filePath, fresh);
      this.adopt(fresh, await fileIdentity(this.filePath), true);
    });
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, fn, { timeoutMs: this.lockTimeoutMs });
  }

  /** Full read path; caller holds the lock. */
  private async loadLocked(): Promise<void> {
    const res = await readJsonDocument(this.filePath, StoreFileV2Schema, migrate, { now: this.now, backupOf: redactV1Tokens });
    const identity = await fileIdentity(this.filePath);
    if (!res.ok) {
      this.failClosed({ ok: false, error: res.error, ...(res.quarantinedTo ? { quarantinedTo: res.quarantinedTo } : {}) }, identity);
      return;
    }
    const file = res.value ?? emptyStoreFile(this.now());
    this.adopt(file, identity, !this.state.ok);
  }

  private reloadInBackground(): void {
    this.devices = new Map(); // fail closed while we find out what the file is
    this.state = { ok: false, error: 'pairing store changed on disk and is being re-read' };
    this.reloading = this.locked(() => this.loadLocked())
      .catch((err: unknown) => this.failClosed({ ok: false, error: `cannot re-read the pairing store: ${(err as Error).message}` }, undefined))
      .finally(() => {
        this.reloading = undefined;
      });
  }

  private adopt(file: StoreFileV2, identity: string | undefined, forceNotify: boolean): void {
    const deviceJson = new Map<string, string>();
    for (const [id, device] of Object.entries(file.devices)) deviceJson.set(id, JSON.stringify(device));
    const changed = forceNotify || !this.state.ok || !sameEntries(deviceJson, this.deviceJson);
    this.devices = new Map();
    for (const [id, device] of Object.entries(file.devices)) this.devices.set(id, withSafeTokens(device));
    this.deviceJson = deviceJson;
    this.generation = file.generation;
    this.identity = identity;
    this.state = { ok: true };
    for (const [id, t] of this.pending) {
      const device = this.devices.get(id);
      if (device) applyTouch(device, t);
    }
    if (changed) this.emitChange();
  }

  private failClosed(health: StoreHealth, identity: string | undefined): void {
    this.state = health;
    this.devices = new Map();
    this.deviceJson = new Map();
    this.identity = identity;
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

function identityOf(st: BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

async function fileIdentity(file: string): Promise<string> {
  try {
    return identityOf(await fsp.stat(file, { bigint: true }));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return MISSING;
    throw err;
  }
}

/** Bytes and stat of the same open file, so the identity recorded matches the content read. */
function readFileSyncWithIdentity(file: string): { bytes: Buffer; stat: BigIntStats } {
  const fd = openSync(file, 'r');
  try {
    return { stat: fstatSync(fd, { bigint: true }), bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

function touchFromPatch(patch: TouchPatch): PendingTouch {
  const t: PendingTouch = {};
  if (patch.lastSeenAtMs !== undefined) t.lastSeenAtMs = patch.lastSeenAtMs;
  if (patch.lastSeenReason !== undefined) t.lastSeenReason = patch.lastSeenReason;
  if (patch.remoteIp !== undefined) t.remoteIp = patch.remoteIp;
  if (patch.tokenRole !== undefined && patch.tokenLastUsedAtMs !== undefined) t.tokenLastUsed = { [patch.tokenRole]: patch.tokenLastUsedAtMs };
  return t;
}

/** Newest wins for lastSeen (with its reason and address); token use times only move forward. */
function applyLastSeen(target: { lastSeenAtMs?: number; lastSeenReason?: string; remoteIp?: string }, t: PendingTouch): void {
  if (t.lastSeenAtMs !== undefined && t.lastSeenAtMs < (target.lastSeenAtMs ?? -Infinity)) return;
  if (t.lastSeenAtMs !== undefined) target.lastSeenAtMs = t.lastSeenAtMs;
  if (t.lastSeenReason !== undefined) target.lastSeenReason = t.lastSeenReason;
  if (t.remoteIp !== undefined) target.remoteIp = t.remoteIp;
}

function applyTouch(device: PairedDevice, t: PendingTouch): void {
  applyLastSeen(device, t);
  if (!t.tokenLastUsed) return;
  for (const [role, ms] of Object.entries(t.tokenLastUsed)) {
    const token = Object.hasOwn(device.tokens, role) ? device.tokens[role] : undefined;
    if (token && ms > (token.lastUsedAtMs ?? -Infinity)) token.lastUsedAtMs = ms;
  }
}

function mergeTouch(into: PendingTouch, t: PendingTouch): void {
  applyLastSeen(into, t);
  if (!t.tokenLastUsed) return;
  into.tokenLastUsed ??= {};
  for (const [role, ms] of Object.entries(t.tokenLastUsed)) {
    if (ms > (into.tokenLastUsed[role] ?? -Infinity)) into.tokenLastUsed[role] = ms;
  }
}

/** Null-prototype token maps: a role like "constructor" or "__proto__" from a client finds nothing. */
function withSafeTokens(device: PairedDevice): PairedDevice {
  device.tokens = Object.assign(Object.create(null) as Record<string, TokenRecord>, device.tokens);
  return device;
}

function sameEntries(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The store file: valid JSON with one device per line, so it is assembled from cached pieces and diffs well. */
function storeFileText(generation: number, updatedAtMs: number, devices: Map<string, string>): string {
  const lines: string[] = [];
  for (const [id, json] of devices) lines.push(`${JSON.stringify(id)}:${json}`);
  return `{"version":${STORE_VERSION},"generation":${generation},"updatedAtMs":${updatedAtMs},"devices":{${lines.length ? `\n${lines.join(',\n')}\n` : ''}}}\n`;
}

/**
 * The map a mutate callback edits: reads clone a device on first access, writes and deletes are recorded, and
 * the base map (what readers see) is never touched until the write has succeeded.
 */
class DraftDevices extends Map<string, PairedDevice> {
  readonly removed = new Set<string>();

  constructor(private readonly base: ReadonlyMap<string, PairedDevice>) {
    super();
  }

  override get(id: string): PairedDevice | undefined {
    if (super.has(id)) return super.get(id);
    if (this.removed.has(id)) return undefined;
    const original = this.base.get(id);
    if (!original) return undefined;
    const copy = structuredClone(original);
    super.set(id, copy);
    return copy;
  }

  override has(id: string): boolean {
    return super.has(id) || (!this.removed.has(id) && this.base.has(id));
  }

  override set(id: string, device: PairedDevice): this {
    this.removed.delete(id);
    return super.set(id, device);
  }

  override delete(id: string): boolean {
    const had = this.has(id);
    super.delete(id);
    if (this.base.has(id)) this.removed.add(id);
    return had;
  }

  override get size(): number {
    let n = super.size;
    for (const id of this.base.keys()) if (!super.has(id) && !this.removed.has(id)) n++;
    return n;
  }

  /** Whole-map reads clone everything (rare: callers normally go by id). */
  override entries(): MapIterator<[string, PairedDevice]> {
    for (const id of this.base.keys()) if (!this.removed.has(id)) this.get(id);
    return super.entries();
  }

  override keys(): MapIterator<string> {
    return new Map(this.entries()).keys();
  }

  override values(): MapIterator<PairedDevice> {
    return new Map(this.entries()).values();
  }

  override forEach(cb: (value: PairedDevice, key: string, map: Map<string, PairedDevice>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }

  override [Symbol.iterator](): MapIterator<[string, PairedDevice]> {
    return this.entries();
  }

  override clear(): void {
    for (const id of this.base.keys()) this.removed.add(id);
    super.clear();
  }

  /** Every device the callback may have changed (read, written or added). */
  touched(): IterableIterator<[string, PairedDevice]> {
    return super.entries();
  }
}
