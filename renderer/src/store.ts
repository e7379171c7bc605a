// Everything the window shows, kept current from gateway events (with a debounced device.pair.list refetch).
// Free of React on purpose: it is created (and starts loading) before the React bundle has even been fetched.
import type { AuditEntry, PairResolvedEvent, PairedDeviceView, PendingRequestView, StoreHealth } from '../../shared/pairing-types';
import type { GatewayConfig } from '../../shared/config';
import type { ConnState, GatewayClient, HelloOk } from './gateway-client';

export interface PresenceEntry {
  deviceId?: string;
  connId: string;
  role: string;
  scopes: string[];
  connectedAtMs: number;
  address?: string;
  locality?: 'local' | 'browser' | 'remote';
}

export interface GatewayStatus {
  version: string;
  uptimeMs: number;
  port: number;
  connections: number;
  devices: number;
  pending: number;
  store: StoreHealth;
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
  status: GatewayStatus | null;
  presence: PresenceEntry[];
  /** requestIds that left the queue in this session, so a late list answer cannot bring one back. */
  resolvedIds: ReadonlySet<string>;
  loadError: string | null;
}

const AUDIT_PAGE = 200;
const AUDIT_KEEP = 2000;

function auditKey(e: AuditEntry): string {
  return `${e.ts}|${e.deviceId}|${e.decision}|${e.requestId ?? ''}|${e.role ?? ''}|${(e.scopes ?? []).join(',')}`;
}

export class DashboardStore {
  private state: DashboardState;
  private readonly listeners = new Set<() => void>();
  private listTimer: ReturnType<typeof setTimeout> | null = null;
  private listInFlight = false;
  private listAgain = false;

  /**
   * @param ready resolves when the views can render; the first data load waits for it, so the gateway is not
   *   busy answering a large device.pair.list while it still has page files to serve.
   */
  constructor(readonly client: GatewayClient, private ready: Promise<unknown> = Promise.resolve()) {
    this.state = {
      conn: client.getState(), hello: null, loaded: false, pending: [], paired: [], store: null, audit: [],
      auditLoaded: false, auditHasMore: false, config: null, configPath: null, status: null, presence: [],
      resolvedIds: new Set(), loadError: null,
    };
    client.onState((conn) => this.set({ conn }));
    client.onHello((hello) => {
      this.set({ hello });
      void this.ready.then(() => this.reloadAll(), () => this.reloadAll());
    });
    client.on('device.pair.requested', (p) => this.onRequested(p as PendingRequestView));
    client.on('device.pair.resolved', (p) => this.onResolved(p as PairResolvedEvent));
    client.on('loopgate.audit', (p) => this.onAudit(p as AuditEntry));
    client.on('loopgate.store', (p) => this.set({ store: p as StoreHealth }));
    client.on('presence', (p) => this.onPresence(p as { presence?: PresenceEntry[] }));
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
      const resolved = this.state.resolvedIds;
      this.set({
        loaded: true,
        pending: (res.pending ?? []).filter((r) => !resolved.has(r.requestId)),
        paired: res.paired ?? [],
        store: res.store ?? this.state.store,
        loadError: null,
      });
    } catch (err) {
      this.set({ loadError: (err as Error).message });
    } finally {
      this.listInFlight = false;
      if (this.listAgain) { this.listAgain = false; this.scheduleList(50); }
    }
  }

  /** Coalesce bursts of events into one device.pair.list. */
  scheduleList(delayMs = 200): void {
    if (this.listTimer) return;
    this.listTimer = setTimeout(() => {
      this.listTimer = null;
      void this.loadList();
    }, delayMs);
  }

  async loadAudit(more = false): Promise<void> {
    const before = more ? this.state.audit[this.state.audit.length - 1]?.ts : undefined;
    const res = await this.client.request<{ entries: AuditEntry[] }>('loopgate.audit.list', before === undefined ? { limit: AUDIT_PAGE } : { limit: AUDIT_PAGE, before });
    const entries = res.entries ?? [];
    const merged = more ? [...this.state.audit, ...entries] : mergeAudit(entries, this.state.audit);
    this.set({ audit: dedupeAudit(merged).slice(0, AUDIT_KEEP), auditLoaded: true, auditHasMore: entries.length >= AUDIT_PAGE });
  }

  async loadConfig(): Promise<void> {
    const res = await this.client.request<{ config: GatewayConfig; path: string }>('config.get', {});
    this.set({ config: res.config, configPath: res.path ?? null });
  }

  async loadStatus(): Promise<void> {
    const res = await this.client.request<GatewayStatus>('status', {});
    this.set({ status: res, ...(res.store ? { store: res.store } : {}) });
  }

  async setConfig(path: string, value: unknown): Promise<void> {
    const res = await this.client.request<{ config: GatewayConfig }>('config.set', { path, value });
    this.set({ config: res.config });
  }

  /** Locally forget a request the gateway no longer knows (approve/deny said unknown requestId). */
  dropRequest(requestId: string): void {
    const resolvedIds = new Set(this.state.resolvedIds);
    resolvedIds.add(requestId);
    this.set({ pending: this.state.pending.filter((r) => r.requestId !== requestId), resolvedIds });
    this.scheduleList();
  }

  /** Apply a device the gateway just returned (approve, narrow) before the refetch lands. */
  upsertDevice(device: PairedDeviceView): void {
    const i = this.state.paired.findIndex((d) => d.deviceId === device.deviceId);
    const paired = [...this.state.paired];
    if (i >= 0) paired[i] = device; else paired.push(device);
    this.set({ paired });
  }

  removeDevice(deviceId: string): void {
    this.set({ paired: this.state.paired.filter((d) => d.deviceId !== deviceId) });
    this.scheduleList();
  }

  private onRequested(req: PendingRequestView): void {
    if (!req || typeof req.requestId !== 'string') return;
    // One pending request per device: a new one for the same device replaces the old.
    const pending = this.state.pending.filter((r) => r.requestId !== req.requestId && r.deviceId !== req.deviceId);
    pending.push(req);
    pending.sort((a, b) => a.createdAtMs - b.createdAtMs);
    this.set({ pending });
    this.scheduleList();
  }

  private onResolved(ev: PairResolvedEvent): void {
    if (!ev || typeof ev.requestId !== 'string') return;
    const resolvedIds = new Set(this.state.resolvedIds);
    resolvedIds.add(ev.requestId);
    this.set({ pending: this.state.pending.filter((r) => r.requestId !== ev.requestId), resolvedIds });
    this.scheduleList();
  }

  private onAudit(entry: AuditEntry): void {
    if (!entry || typeof entry.ts !== 'number') return;
    this.set({ audit: dedupeAudit([entry, ...this.state.audit]).slice(0, AUDIT_KEEP) });
  }

  private onPresence(p: { presence?: PresenceEntry[] }): void {
    const presence = Array.isArray(p?.presence) ? p.presence : [];
    const online = new Set(presence.map((e) => e.deviceId).filter((id): id is string => Boolean(id)));
    let changed = false;
    const paired = this.state.paired.map((d) => {
      const connected = online.has(d.deviceId);
      if (connected === d.connected) return d;
      changed = true;
      return { ...d, connected, ...(connected ? {} : { lastSeenAtMs: Date.now() }) };
    });
    this.set(changed ? { presence, paired } : { presence });
    this.scheduleList(1000);
  }
}

function mergeAudit(fresh: AuditEntry[], existing: AuditEntry[]): AuditEntry[] {
  return [...fresh, ...existing].sort((a, b) => b.ts - a.ts);
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
