// Attach mode: Loopgate as the approval companion of an existing OpenClaw gateway. It keeps a mirror of that
// gateway's paired devices and pending requests (refreshed on its events and on every reconnect), turns its
// events into the ones the tray, notifications and window already handle, and sends decisions back to it
// (device.pair.approve / reject, rename, rotate, revoke, remove). Loopgate's own silent-approval policy does not
// apply here: that gateway decides what is silent; Loopgate only shows and relays what waits for a person.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { ConfigHealth, GatewayConfig } from '../../shared/config';
import { ErrorCode, GatewayError, invalidRequest } from '../../shared/errors';
import { ParamSchemas } from '../../shared/methods';
import type { AuditEntry, PairedDeviceView, PairResolvedEvent, PendingRequestView, StoreHealth } from '../../shared/pairing-types';
import { LOOPGATE_VERSION } from '../../shared/version';
import { GatewayConfigStore } from '../config/gateway-config';
import { AttachedApprovals } from './attached-approvals';
import { coalesced } from './coalesced';
import type { ApproveResult, GatewayEvents, GatewayHandle } from '../gateway/gateway-handle';
import { method, plain, type MethodDef } from '../gateway/router';
import { loadOrCreateAttachIdentity } from './attach-identity';
import { UpstreamClient, UpstreamError, type UpstreamSecret, type UpstreamState } from './upstream-client';
import { pairedView, pendingView } from './upstream-views';
import { WindowServer } from './window-server';
import { safeListener } from '../gateway/safe-listener';

export interface AttachOptions {
  /** Loopgate's data folder: its own device identity and settings live here. */
  home: string;
  /** The OpenClaw gateway, ws://127.0.0.1:PORT (checked by checkUpstreamUrl). */
  url: string;
  /** Read before every connect attempt (a token fixed in the OpenClaw config is picked up on the next retry). */
  secret: () => Promise<UpstreamSecret>;
  /** Port of Loopgate's own local server for the window; 0 (default) picks a free one. */
  port?: number;
  rendererDir?: string;
  appOrigins?: string[];
  backoff?: { minMs: number; maxMs: number; unauthorizedMs: number };
  log?: (line: string) => void;
}

/** What the window's banner and `status` say about the attachment. */
export interface AttachInfo extends UpstreamState {
  mode: 'attach';
  /** In words, one sentence. */
  text: string;
}

export type AttachedEvents = GatewayEvents;

const AUDIT_KEEP = 500;
const REFRESH_DEBOUNCE_MS = 100;
const NOT_HERE = 'is not available while Loopgate is attached to an OpenClaw gateway';

export class AttachedGateway implements GatewayHandle {
  readonly version = LOOPGATE_VERSION;
  readonly upstream: UpstreamClient;
  readonly approvals: AttachedApprovals;
  private readonly window: WindowServer;
  private readonly emitter = new EventEmitter();
  private pendingById = new Map<string, PendingRequestView>();
  private paired = new Map<string, PairedDeviceView>();
  private audit: AuditEntry[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private closed = false;

  private constructor(private readonly opts: AttachOptions, readonly config: GatewayConfigStore, upstream: UpstreamClient) {
    this.upstream = upstream;
    this.window = new WindowServer({
      rendererDir: opts.rendererDir, appOrigins: opts.appOrigins, version: this.version, log: this.log,
      helloSnapshot: () => ({ presence: [], health: { ok: true }, stateVersion: { presence: 0, health: 0 }, uptimeMs: Date.now() - this.startedAt, attach: this.attachInfo() }),
    });
    this.approvals = new AttachedApprovals({
      upstream, forward: (name, params) => this.forward(name, params), broadcast: (event, payload) => this.window.broadcast(event, payload),
      audit: (entry) => this.record(entry), log: this.log,
    });
  }

  static async start(opts: AttachOptions): Promise<AttachedGateway> {
    const config = await GatewayConfigStore.open(opts.home);
    const identity = await loadOrCreateAttachIdentity(opts.home);
    const upstream = new UpstreamClient({ url: opts.url, identity, secret: opts.secret, backoff: opts.backoff });
    const gw = new AttachedGateway(opts, config, upstream);
    gw.wire();
    await gw.window.listen(opts.port ?? 0);
    upstream.start();
    return gw;
  }

  private log = (line: string): void => {
    (this.opts.log ?? ((l: string) => process.stderr.write(`loopgate: ${l}\n`)))(line);
  };

  // ---- wiring -----------------------------------------------------------------------------------

  private wire(): void {
    this.window.router.register({ ...this.methods(), ...this.approvals.methods() });
    let said = '';
    this.upstream.on('state', () => {
      const info = this.attachInfo();
      // Each change of situation once in the log (not every retry of the same one).
      if (info.text !== said && info.status !== 'connecting' && info.status !== 'stopped') this.log(info.text);
      said = info.text;
      this.window.broadcast('loopgate.attach', info);
      this.emit('attach', info);
    });
    this.upstream.on('hello', () => void this.refresh());
    this.upstream.on('event', (event, payload) => this.onUpstreamEvent(event, payload));
  }

  private onUpstreamEvent(event: string, payload: unknown): void {
    const p = (payload ?? {}) as Record<string, unknown>;
    if (event === 'device.pair.requested') {
      // OpenClaw's request does not say why; what the device already holds does, so read the list first (the
      // refresh announces the new request to the window, the tray and notifications).
      void this.refresh();
    } else if (event === 'device.pair.resolved') {
      const requestId = typeof p.requestId === 'string' ? p.requestId : undefined;
      if (!requestId) return;
      const decision = p.decision === 'approved' ? 'approved' : 'rejected';
      this.dropPending(requestId, decision, typeof p.deviceId === 'string' ? p.deviceId : undefined);
      this.scheduleRefresh();
    } else if (event === 'device.pair.changed' || event === 'presence') {
      this.scheduleRefresh();
    }
  }

  private dropPending(requestId: string, cause: 'approved' | 'rejected' | 'superseded', deviceId?: string): void {
    const req = this.pendingById.get(requestId);
    this.pendingById.delete(requestId);
    const ev: PairResolvedEvent = { requestId, deviceId: req?.deviceId ?? deviceId ?? '', decision: cause === 'approved' ? 'approved' : 'rejected', ts: Date.now(), ...(req ? { reason: req.reason } : {}), silent: false, cause };
    this.window.broadcast('device.pair.resolved', ev);
    if (ev.deviceId) this.record({ ts: ev.ts, deviceId: ev.deviceId, reason: req?.reason ?? 'unknown', decision: cause, by: 'the OpenClaw gateway', silent: false, requestId, ...(req ? { role: req.role, scopes: req.scopes } : {}) });
    this.emit('resolved', ev);
    this.emit('pending', this.pending());
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer || this.closed) return;
    this.refreshTimer = setTimeout(() => { this.refreshTimer = undefined; void this.refresh(); }, REFRESH_DEBOUNCE_MS);
    this.refreshTimer.unref();
  }

  /** Fetch that gateway's list: the mirror follows it; requests that appeared or left while away are announced. */
  readonly refresh = coalesced(async () => {
    try {
      const list = await this.upstream.request<{ pending?: unknown[]; paired?: unknown[] }>('device.pair.list', {});
      const paired = new Map<string, PairedDeviceView>();
      for (const raw of list.paired ?? []) {
        const d = pairedView(raw as Record<string, unknown>);
        if (d) paired.set(d.deviceId, d);
      }
      this.paired = paired;
      const pending = new Map<string, PendingRequestView>();
      for (const raw of list.pending ?? []) {
        const r = pendingView(raw as Record<string, unknown>, paired);
        if (r) pending.set(r.requestId, r);
      }
      const before = this.pendingById;
      this.pendingById = pending;
      for (const [id, req] of pending) {
        if (before.has(id)) continue;
        this.record({ ts: req.ts, deviceId: req.deviceId, reason: req.reason, decision: 'requested', by: 'device', silent: false, role: req.role, scopes: req.scopes, requestId: id, address: req.sourceAddress, locality: req.locality, ...(req.displayName ? { displayName: req.displayName } : {}) });
        this.window.broadcast('device.pair.requested', req);
        this.emit('request', req);
      }
      for (const [id, req] of before) {
        if (pending.has(id)) continue;
        const ev: PairResolvedEvent = { requestId: id, deviceId: req.deviceId, decision: 'rejected', ts: Date.now(), reason: req.reason, silent: false, cause: 'superseded' };
        this.window.broadcast('device.pair.resolved', ev);
        this.emit('resolved', ev);
      }
      this.emit('pending', this.pending());
      this.window.broadcast('loopgate.devices', { ts: Date.now(), changed: true });
    } catch (e) {
      this.log(`could not read the device list of the OpenClaw gateway: ${(e as Error).message}`);
    }
  }, () => this.closed);

  private record(entry: AuditEntry): void {
    this.audit.unshift(entry);
    if (this.audit.length > AUDIT_KEEP) this.audit.length = AUDIT_KEEP;
    this.window.broadcast('loopgate.audit', entry);
  }

  // ---- methods the window calls -------------------------------------------------------------------

  /** Forward to that gateway; its errors keep their code and message, prefixed so the user knows who said it. */
  private async forward<T>(name: string, params: unknown): Promise<T> {
    try {
      return await this.upstream.request<T>(name, params);
    } catch (e) {
      if (e instanceof UpstreamError) throw new GatewayError(e.code, e.code === 'UNAVAILABLE' || e.code === 'AGENT_TIMEOUT' ? e.message : `the OpenClaw gateway says: ${e.message}`, e.details);
      throw e;
    }
  }

  private methods(): Record<string, MethodDef> {
    const none = z.strictObject({}).optional();
    return {
      health: plain(() => ({ ok: true, status: 'ok', ts: Date.now(), uptimeMs: Date.now() - this.startedAt, version: this.version, attach: this.attachInfo() })),
      status: plain(() => this.status()),
      'device.pair.list': method(ParamSchemas['device.pair.list'], async () => {
        if (this.upstream.connected) await this.refresh();
        return { pending: this.pending(), paired: [...this.paired.values()], store: this.storeHealth() };
      }),
      'device.pair.approve': method(ParamSchemas['device.pair.approve'], async (p) => {
        if (p.scopes) throw invalidRequest(`approving with fewer scopes ${NOT_HERE}; approve as asked, or deny`);
        const res = await this.forward<{ requestId?: string; device?: Record<string, unknown> }>('device.pair.approve', { requestId: p.requestId });
        const device = res.device ? pairedView(res.device) : null;
        if (device) this.paired.set(device.deviceId, device);
        if (this.pendingById.has(p.requestId)) this.dropPending(p.requestId, 'approved');
        return { requestId: res.requestId ?? p.requestId, ...(device ? { device } : {}) };
      }),
      'device.pair.reject': method(ParamSchemas['device.pair.reject'], async (p) => {
        const res = await this.forward<{ requestId?: string; deviceId?: string }>('device.pair.reject', p);
        if (this.pendingById.has(p.requestId)) this.dropPending(p.requestId, 'rejected');
        return res;
      }),
      'device.pair.remove': method(ParamSchemas['device.pair.remove'], async (p) => {
        const res = await this.forward('device.pair.remove', p);
        this.paired.delete(p.deviceId);
        this.record({ ts: Date.now(), deviceId: p.deviceId, reason: 'remove', decision: 'removed', by: 'owner (Loopgate window)', silent: false });
        this.scheduleRefresh();
        return res;
      }),
      'device.pair.rename': method(ParamSchemas['device.pair.rename'], async (p) => {
        const res = await this.forward('device.pair.rename', p);
        this.scheduleRefresh();
        return res;
      }),
      'device.token.rotate': method(ParamSchemas['device.token.rotate'], async (p) => {
        const res = await this.forward('device.token.rotate', p);
        this.scheduleRefresh();
        return res;
      }),
      'device.token.revoke': method(ParamSchemas['device.token.revoke'], async (p) => {
        const res = await this.forward('device.token.revoke', p);
        this.scheduleRefresh();
        return res;
      }),
      'loopgate.device.narrow': plain(() => { throw invalidRequest(`narrowing ${NOT_HERE}; rotate the device's token with fewer scopes instead`); }),
      'loopgate.audit.list': method(ParamSchemas['loopgate.audit.list'], (p) => {
        const before = p?.before;
        return { entries: this.audit.filter((e) => before === undefined || e.ts < before).slice(0, p?.limit ?? 500) };
      }),
      'config.get': method(ParamSchemas['config.get'], () => ({ config: this.config.get(), path: this.config.path })),
      'config.set': method(ParamSchemas['config.set'], async (p) => {
        const cfg = await this.config.set(p.path, p.value);
        this.window.broadcast('loopgate.config', cfg);
        this.emit('config', cfg);
        return { config: cfg };
      }),
      'loopgate.gateway.token.get': method(none, () => { throw invalidRequest(`the gateway token belongs to the OpenClaw gateway; Loopgate does not show it (${NOT_HERE})`); }),
      'loopgate.gateway.token.rotate': method(none, () => { throw invalidRequest(`rotating the gateway token ${NOT_HERE}`); }),
      'loopgate.dashboard.link': method(none, () => ({ url: this.dashboardUrl() })),
      'loopgate.attach.retry': method(none, () => { this.upstream.retryNow(); return { attach: this.attachInfo() }; }),
    };
  }

  attachInfo(): AttachInfo {
    return { ...this.upstream.getState(), mode: 'attach', text: this.upstream.describe() };
  }

  status(): unknown {
    return {
      ok: true, version: this.version, uptimeMs: Date.now() - this.startedAt, port: this.port, url: this.url,
      connections: this.window.connections, devices: this.paired.size, pending: this.pendingById.size,
      pairingPaused: false, store: this.storeHealth(), home: this.home, attach: this.attachInfo(),
    };
  }

  // ---- GatewayHandle ----------------------------------------------------------------------------

  get port(): number {
    return this.window.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.window.port}`;
  }

  get home(): string {
    return this.opts.home;
  }

  issueOwnerCredential(): string {
    return this.window.owner.issueLink();
  }

  dashboardUrl(): string {
    return `http://127.0.0.1:${this.window.port}/#${this.window.owner.issueLink()}`;
  }

  pending(): PendingRequestView[] {
    return [...this.pendingById.values()].sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  pairedDevices(): PairedDeviceView[] {
    return [...this.paired.values()];
  }

  /** That gateway keeps its own store; what Loopgate can say is whether it is reachable. */
  storeHealth(): StoreHealth {
    return { ok: true };
  }

  configHealth(): ConfigHealth {
    return this.config.health();
  }

  async approve(requestId: string): Promise<ApproveResult> {
    const req = this.pendingById.get(requestId);
    const res = await this.forward<{ requestId?: string; device?: { deviceId?: string } }>('device.pair.approve', { requestId });
    if (this.pendingById.has(requestId)) this.dropPending(requestId, 'approved');
    return { requestId, deviceId: res.device?.deviceId ?? req?.deviceId ?? '' };
  }

  async reject(requestId: string): Promise<ApproveResult> {
    const req = this.pendingById.get(requestId);
    const res = await this.forward<{ deviceId?: string }>('device.pair.reject', { requestId });
    if (this.pendingById.has(requestId)) this.dropPending(requestId, 'rejected');
    return { requestId, deviceId: res.deviceId ?? req?.deviceId ?? '' };
  }

  /** Pausing pairing is the hosting gateway's business. */
  async setPairingPaused(): Promise<void> {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, `pausing pairing ${NOT_HERE}`);
  }

  pairingPaused(): boolean {
    return false;
  }

  on<K extends keyof AttachedEvents>(event: K, listener: AttachedEvents[K]): () => void {
    return safeListener(this.emitter, event, listener, (line) => this.log(line));
  }

  private emit<K extends keyof AttachedEvents>(event: K, ...args: Parameters<AttachedEvents[K]>): void {
    this.emitter.emit(event, ...args);
  }

  async close(reason = 'Loopgate detached'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.refreshTimer);
    this.approvals.close();
    await this.upstream.close();
    await this.window.close(reason);
  }
}

export function startAttached(opts: AttachOptions): Promise<AttachedGateway> {
  return AttachedGateway.start(opts);
}

export type { GatewayConfig };
