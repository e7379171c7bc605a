// Everything the window shows, kept current from gateway events. Events are queued and applied once per
// animation frame (a burst of hundreds costs one render, not hundreds); device.pair.list is fetched again,
// debounced, only when the gateway says device records changed. Free of React on purpose: it is created (and
// starts loading) before the React bundle has even been fetched.
import type { AuditEntry, DevicesChangedEvent, PairResolvedEvent, PairedDeviceView, PendingRequestView, StoreHealth } from '../../shared/pairing-types';
import type { ConfigHealth, GatewayConfig } from '../../shared/config';
import type { ConnState, GatewayClient, HelloOk } from './gateway-client';
import { ApprovalsStore } from './approvals-store';
import { FrameBatch } from './frame-batch';

export interface GatewayStatus {
  version: string;
  uptimeMs: number;
  port: number;
  connections: number;
  devices: number;
  pending: number;
  store: StoreHealth;
  /** Which process attribution works on this OS (who is asking). */
  attribution?: { method: string; works: boolean; text: string };
}

/** Attach mode: Loopgate relays an OpenClaw gateway's devices and requests (status.attach, loopgate.attach). */
export interface AttachInfo {
  mode: 'attach';
  status: 'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'pairing-required' | 'stopped';
  url: string;
  text: string;
  attempts: number;
  lastError?: string;
  retryAtMs?: number;
  requestId?: string;
  server?: { version?: string };
}

function attachOf(v: unknown): AttachInfo | null {
  return isObject(v) && v.mode === 'attach' && typeof v.url === 'string' && typeof v.status === 'string' ? (v as unknown as AttachInfo) : null;
}

export interface DashboardState {
  conn: ConnState;
  hello: HelloOk | null;
  /** device.pair.list answered at least once. */
  loaded: boolean;
  pending: PendingRequestView[];
  paired: PairedDeviceView[];
  store: StoreHealth | null;
  audit: AuditEntry[];
  auditLoaded: boolean;
  auditHasMore: boolean;
  config: GatewayConfig | null;
  configPath: string | null;
  /** Not ok: the settings file was unusable and the gateway runs on strict settings until one is saved. */
  configHealth: ConfigHealth | null;
  status: GatewayStatus | null;
  /** Set when this Loopgate is attached to an OpenClaw gateway rather than hosting its own. */
  attach: AttachInfo | null;
  /** requestIds that left the queue in this session, so a late list answer cannot bring one back. */
  resolvedIds: ReadonlySet<string>;
  loadError: string | null;
}

const AUDIT_PAGE = 200;
const AUDIT_KEEP = 2000;
/** Device-record changes are coalesced: one device.pair.list at most this long after the first change. */
const LIST_DEBOUNCE_MS = 250;
const LIST_MAX_WAIT_MS = 1000;

type Queued =
  | { kind: 'requested'; req: PendingRequestView }
  | { kind: 'resolved'; ev: PairResolvedEvent }
  | { kind: 'audit'; entry: AuditEntry }
  | { kind: 'devices'; ev: DevicesChangedEvent };

const auditKeys = new WeakMap<AuditEntry, string>();
function auditKey(e: AuditEntry): string {
  let k = auditKeys.get(e);
  if (k === undefined) {
    k = `${e.ts}|${e.deviceId}|${e.decision}|${e.requestId ?? ''}|${e.role ?? ''}|${(e.scopes ?? []).join(',')}|${e.kind ?? ''}|${e.exec?.approvalId ?? ''}`;
    auditKeys.set(e, k);
  }
  return k;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export class DashboardStore {
  private state: DashboardState;
  private readonly listeners = new Set<() => void>();
  private listTimer: ReturnType<typeof setTimeout> | null = null;
  private listFirstAskMs = 0;
  private listInFlight = false;
  private listAgain = false;
  private readonly batch = new FrameBatch<Queued>((queue) => this.apply(queue));
  /** requestId → deviceId for every request seen this session (to find a device's current request). */
  private readonly requestDevices = new Map<string, string>();
  /** Exec approvals, grants and node command requests: their own store, their own renders. */
  readonly approvals: ApprovalsStore;

  /**
   * @param ready resolves when the views can render; the first data load waits for it, so the gateway is not
   *   busy answering a large device.pair.list while it still has page files to serve.
   */
  constructor(readonly client: GatewayClient, private ready: Promise<unknown> = Promise.resolve()) {
    this.approvals = new ApprovalsStore(client, ready);
    this.state = {
      conn: client.getState(), hello: null, loaded: false, pending: [], paired: [], store: null, audit: [],
      auditLoaded: false, auditHasMore: false, config: null, configPath: null, configHealth: null, status: null, attach: null,
      resolvedIds: new Set(), loadError: null,
    };
    client.onState((conn) => this.set({ conn }));
    client.onHello((hello) => {
      this.set({ hello, attach: attachOf((hello.snapshot as { attach?: unknown } | undefined)?.attach) });
      void this.ready.then(() => this.reloadAll(), () => this.reloadAll());
    });
    client.on('device.pair.requested', (p) => { if (isObject(p) && typeof p.requestId === 'string') this.batch.push({ kind: 'requested', req: p as unknown as PendingRequestView }); });
    client.on('device.pair.resolved', (p) => { if (isObject(p) && typeof p.requestId === 'string') this.batch.push({ kind: 'resolved', ev: p as unknown as PairResolvedEvent }); });
    client.on('loopgate.audit', (p) => { if (isObject(p) && typeof p.ts === 'number') this.batch.push({ kind: 'audit', entry: p as unknown as AuditEntry }); });
    client.on('loopgate.devices', (p) => { if (isObject(p)) this.batch.push({ kind: 'devices', ev: p as unknown as DevicesChangedEvent }); });
    client.on('loopgate.attach', (p) => { const attach = attachOf(p); if (attach) this.set({ attach }); });
    client.on('loopgate.store', (p) => { if (isObject(p)) this.set({ store: p as unknown as StoreHealth }); });
    // The tray, the CLI or another window changed the settings (pause pairing, silent approval, port).
    client.on('loopgate.config', (p) => {
      if (!isObject(p) || typeof p.pairingPaused !== 'boolean') return;
      this.set({ config: p as unknown as GatewayConfig });
      // Someone saved a setting: a settings-file problem may be over; ask rather than guess.
      if (this.state.configHealth?.ok === false) void this.loadConfig().catch(() => {});
    });
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): DashboardState => this.state;

  private set(patch: Partial<DashboardState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  // ---- event batching ---------------------------------------------------------------------------

  /** Apply every queued event in one state change. */
  flush(): void {
    this.batch.flush();
  }

  private apply(queue: Queued[]): void {

    let pending = this.state.pending;
    let resolvedIds = this.state.resolvedIds as Set<string>;
    let resolvedCopied = false;
    let paired = this.state.paired;
    const fresh: AuditEntry[] = [];
    const connected = new Map<string, { on: boolean; ts: number }>();
    const removed = new Set<string>();
    let refetch = false;

    for (const item of queue) {
      switch (item.kind) {
        case 'requested': {
          const req = item.req;
          this.requestDevices.set(req.requestId, req.deviceId);
          if (resolvedIds.has(req.requestId)) break;
          // One pending request per device: a new one for the same device replaces the old.
          pending = pending.filter((r) => r.requestId !== req.requestId && r.deviceId !== req.deviceId);
          pending.push(req);
          break;
        }
        case 'resolved': {
          const ev = item.ev;
          if (typeof ev.deviceId === 'string') this.requestDevices.set(ev.requestId, ev.deviceId);
          if (!resolvedCopied) { resolvedIds = new Set(resolvedIds); resolvedCopied = true; }
          resolvedIds.add(ev.requestId);
          pending = pending.filter((r) => r.requestId !== ev.requestId);
          // An approval creates or changes a device record.
          if (ev.decision === 'approved') refetch = true;
          break;
        }
        case 'audit': {
          const e = item.entry;
          if (e.requestId && typeof e.deviceId === 'string') this.requestDevices.set(e.requestId, e.deviceId);
          fresh.push(e);
          // A revoked 30-minute grant is also 'removed' (kind exec-approval): the node stays paired.
          if (e.decision === 'removed' && !e.requestId && !e.kind) removed.add(e.deviceId);
          break;
        }
        case 'devices': {
          const ev = item.ev;
          const ts = typeof ev.ts === 'number' ? ev.ts : Date.now();
          if (isObject(ev.connected)) {
            for (const [id, on] of Object.entries(ev.connected)) if (typeof on === 'boolean') connected.set(id, { on, ts });
          }
          if (ev.changed === true) refetch = true;
          break;
        }
      }
    }

    if (removed.size > 0) paired = paired.filter((d) => !removed.has(d.deviceId));
    if (connected.size > 0) {
      let copy: PairedDeviceView[] | null = null;
      for (let i = 0; i < paired.length; i++) {
        const d = paired[i]!;
        const patch = connected.get(d.deviceId);
        if (!patch || patch.on === d.connected) continue;
        copy ??= [...paired];
        copy[i] = { ...d, connected: patch.on, ...(patch.on ? {} : { lastSeenAtMs: patch.ts }) };
      }
      if (copy) paired = copy;
    }
    const patch: Partial<DashboardState> = {};
    if (pending !== this.state.pending) patch.pending = [...pending].sort((a, b) => a.createdAtMs - b.createdAtMs);
    if (resolvedCopied) patch.resolvedIds = resolvedIds;
    if (paired !== this.state.paired) patch.paired = paired;
    if (fresh.length > 0) patch.audit = mergeAudit(fresh, this.state.audit);
    if (Object.keys(patch).length > 0) this.set(patch);
    if (refetch) this.scheduleList();
  }

  // ---- loading ----------------------------------------------------------------------------------

  async reloadAll(): Promise<void> {
    await Promise.allSettled([this.loadList(), this.loadAudit(), this.loadConfig(), this.loadStatus()]);
  }

  async loadList(): Promise<void> {
    if (this.listInFlight) { this.listAgain = true; return; }
    this.listInFlight = true;
    try {
      const first = !this.state.loaded;
      if (first) performance.mark('loopgate:list-requested');
      const res = await this.client.request<{ pending: PendingRequestView[]; paired: PairedDeviceView[]; store: StoreHealth }>('device.pair.list', {});
      if (first) performance.mark('loopgate:list-received');
      this.flush(); // events that arrived before the answer are older than it
      const resolved = this.state.resolvedIds;
      const pending = (res.pending ?? []).filter((r) => !resolved.has(r.requestId));
      for (const r of pending) this.requestDevices.set(r.requestId, r.deviceId);
      this.set({ loaded: true, pending, paired: res.paired ?? [], store: res.store ?? this.state.store, loadError: null });
    } catch (err) {
      this.set({ loadError: (err as Error).message });
    } finally {
      this.listInFlight = false;
      if (this.listAgain) { this.listAgain = false; this.scheduleList(50); }
    }
  }

  /** Coalesce bursts of changes into one device.pair.list: `delayMs` after the last ask, at most 1 s after the first. */
  scheduleList(delayMs = LIST_DEBOUNCE_MS): void {
    const now = Date.now();
    if (!this.listTimer) this.listFirstAskMs = now;
    const due = Math.min(now + delayMs, this.listFirstAskMs + LIST_MAX_WAIT_MS);
    if (this.listTimer) clearTimeout(this.listTimer);
    this.listTimer = setTimeout(() => {
      this.listTimer = null;
      void this.loadList();
    }, Math.max(0, due - now));
  }

  async loadAudit(more = false): Promise<void> {
    this.flush();
    const before = more ? this.state.audit[this.state.audit.length - 1]?.ts : undefined;
    const res = await this.client.request<{ entries: AuditEntry[] }>('loopgate.audit.list', before === undefined ? { limit: AUDIT_PAGE } : { limit: AUDIT_PAGE, before });
    const entries = res.entries ?? [];
    for (const e of entries) if (e.requestId) this.requestDevices.set(e.requestId, e.deviceId);
    this.flush();
    const audit = more ? dedupeAudit([...this.state.audit, ...entries]).slice(0, AUDIT_KEEP) : mergeAudit(entries, this.state.audit);
    this.set({ audit, auditLoaded: true, auditHasMore: entries.length >= AUDIT_PAGE });
  }

  async loadConfig(): Promise<void> {
    const res = await this.client.request<{ config: GatewayConfig; path: string; health?: ConfigHealth }>('config.get', {});
    this.set({ config: res.config, configPath: res.path ?? null, configHealth: res.health ?? null });
  }

  async loadStatus(): Promise<void> {
    const res = await this.client.request<GatewayStatus>('status', {});
    this.set({ status: res, ...(res.store ? { store: res.store } : {}), attach: attachOf((res as { attach?: unknown }).attach) });
  }

  async setConfig(path: string, value: unknown): Promise<void> {
    const res = await this.client.request<{ config: GatewayConfig; health?: ConfigHealth }>('config.set', { path, value });
    this.set({ config: res.config, ...(res.health ? { configHealth: res.health } : {}) });
  }

  /** The device a request (pending now, or seen earlier in this session or in the loaded log) was for. */
  deviceOfRequest(requestId: string): string | undefined {
    return this.state.pending.find((r) => r.requestId === requestId)?.deviceId
      ?? this.requestDevices.get(requestId)
      ?? this.state.audit.find((e) => e.requestId === requestId)?.deviceId;
  }

  /** Locally forget a request the gateway no longer knows (approve/deny said unknown requestId). */
  dropRequest(requestId: string): void {
    this.flush();
    const resolvedIds = new Set(this.state.resolvedIds);
    resolvedIds.add(requestId);
    this.set({ pending: this.state.pending.filter((r) => r.requestId !== requestId), resolvedIds });
    this.scheduleList(50);
  }

  /** Apply a device the gateway just returned (approve, narrow) before the refetch lands. */
  upsertDevice(device: PairedDeviceView): void {
    this.flush();
    const i = this.state.paired.findIndex((d) => d.deviceId === device.deviceId);
    const paired = [...this.state.paired];
    if (i >= 0) paired[i] = device; else paired.push(device);
    this.set({ paired });
  }

  removeDevice(deviceId: string): void {
    this.flush();
    this.set({ paired: this.state.paired.filter((d) => d.deviceId !== deviceId) });
    this.scheduleList(50);
  }
}

/** Newest first, without duplicates, at most AUDIT_KEEP entries. */
function mergeAudit(fresh: AuditEntry[], existing: AuditEntry[]): AuditEntry[] {
  const sorted = [...fresh].sort((a, b) => b.ts - a.ts);
  // The common case: everything new is newer than what is held.
  const merged = existing.length === 0 || (sorted.length > 0 && sorted[sorted.length - 1]!.ts >= existing[0]!.ts)
    ? [...sorted, ...existing]
    : [...sorted, ...existing].sort((a, b) => b.ts - a.ts);
  return dedupeAudit(merged).slice(0, AUDIT_KEEP);
}

function dedupeAudit(list: AuditEntry[]): AuditEntry[] {
  const seen = new Set<string>();
  const out: AuditEntry[] = [];
  for (const e of list) {
    const k = auditKey(e);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}
