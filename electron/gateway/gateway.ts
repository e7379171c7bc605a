// The loopback gateway: an HTTP server on 127.0.0.1 (dashboard files, /healthz) whose WebSocket upgrades we
// vet ourselves, the handshake, the method router, event fan-out and the durable state behind them.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ConfigHealth, GatewayConfig } from '../../shared/config';
import { CloseCode, DetailCode, ErrorCode, GatewayError } from '../../shared/errors';
import { ADVERTISED_MAX_BUFFERED_BYTES, HANDSHAKE_TIMEOUT_MS, MAX_PREAUTH_PAYLOAD_BYTES, RequestFrameSchema, TICK_INTERVAL_MS, formatIssues } from '../../shared/frames';
import { EVENT_SCOPES } from '../../shared/methods';
import type { PairResolvedEvent, PendingRequestView, StoreHealth } from '../../shared/pairing-types';
import { LOOPGATE_VERSION } from '../../shared/version';
import { approvalMethods } from '../approvals/approval-methods';
import type { ApprovalsHandle } from '../approvals/approvals-handle';
import { ApprovalsHub } from '../approvals/approvals-hub';
import { attributionLabel } from '../../shared/attribution';
import { Attributor } from '../attribution/attributor';
import { isDecision, lazyAttribution, traceAfterHandshake } from '../attribution/connection-attribution';
import { GatewayConfigStore } from '../config/gateway-config';
import { AuditLog } from '../pairing/audit-log';
import { loadOrCreateGatewayToken, rotateGatewayToken } from '../pairing/gateway-secret';
import { GatewayMemory } from '../memory/gateway-memory';
import { PairingService, type Actor } from '../pairing/pairing-service';
import { PairingStore } from '../pairing/pairing-store';
import { PendingFile } from '../pairing/pending-file';
import { SessionRegistry } from '../sessions/session-registry';
import { AuthLimiter } from './auth-limiter';
import { actorFor, authorityOf } from './authority';
import { ConnectedDevices } from './connected-devices';
import { Connection } from './connection';
import { PREAUTH_SOCKET_CEILING, refuseOversized, setSocketFrameCeiling, socketCeiling } from './frame-limits';
import type { ApproveResult, GatewayEvents, GatewayHandle, GatewayOptions, GatewayTiming } from './gateway-handle';
import { HandshakeFailure, runHandshake } from './handshake';
import { guardHttpEdge, httpRefusal, MAX_HEADER_BYTES, MAX_HEADERS, refuse, tooManyHeaders } from './http-edge';
import { serveStatic } from './http-static';
import { NodeInvocations, nodeMethods } from './methods/nodes';
import { pairingMethods } from './methods/pairing';
import { sessionMethods } from './methods/sessions';
import { systemMethods } from './methods/system';
import { openclawStatusSummary } from './openclaw-status';
import { OwnerCredentials } from './owner-credentials';
import { Router } from './router';
import { fanOutPresence, mayReceive, ownCounts, presenceFor } from './session-views';
import { endOldTokenSessions, TOKEN_ROTATED } from './token-rotation';
import { checkUpgrade, isLoopbackAddress, ownOrigins } from './upgrade-guard';
import { safeListener } from './safe-listener';

export { type GatewayHandle, type GatewayOptions } from './gateway-handle';

const PREAUTH_PER_ADDRESS = 32;
const PREAUTH_TOTAL = 256;

/** A port already in use, said plainly. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} on 127.0.0.1 is already in use (another Loopgate or OpenClaw gateway?); choose another with --port or LOOPGATE_PORT`);
  }
}

export class Gateway implements GatewayHandle {
  readonly version = LOOPGATE_VERSION;
  readonly router = new Router();
  readonly invocations = new NodeInvocations();
  readonly owner = new OwnerCredentials();
  readonly limiter = new AuthLimiter();
  readonly memory = new GatewayMemory(this); // what comes back after clients leave (memory/gateway-memory.ts)
  private readonly emitter = new EventEmitter();
  readonly conns = new Map<string, Connection>();
  readonly preauth = new Map<string, number>();
  readonly devices = new ConnectedDevices((id) => this.pairing.deviceChanged(id), (payload) => this.broadcast('loopgate.devices', payload, ''));
  private readonly startedAt = Date.now();
  private readonly bootId = randomUUID();
  private tickTimer: NodeJS.Timeout | undefined;
  private allowedOrigins = new Set<string>();
  private features = { methods: [] as string[], events: Object.keys(EVENT_SCOPES) };
  private closed = false;
  /** Bumped by every rotation: a handshake that proved the token before one may not finish after it. */
  private tokenGeneration = 0;
  private pendingFile: PendingFile | undefined;
  port = 0;

  private constructor(
    readonly opts: GatewayOptions,
    readonly timing: GatewayTiming,
    readonly config: GatewayConfigStore,
    readonly sessions: SessionRegistry,
    readonly pairing: PairingService,
    readonly hub: ApprovalsHub,
    private token: string,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly attributor: Attributor,
  ) {}

  static async start(opts: GatewayOptions): Promise<Gateway> {
    const home = opts.home;
    const config = await GatewayConfigStore.open(home);
    const cfg = config.get();
    const timing: GatewayTiming = {
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, tickIntervalMs: TICK_INTERVAL_MS, pendingTtlMs: cfg.limits.pendingTtlMs,
      denyCooldownMs: cfg.limits.denyCooldownMs, lastSeenFlushMs: 60_000, ...opts.timing,
    };
    const store = await PairingStore.open(home, { lastSeenFlushMs: timing.lastSeenFlushMs });
    const audit = await AuditLog.open(home);
    const sessions = await SessionRegistry.open(home);
    const token = await loadOrCreateGatewayToken(home);
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES });
    // Each socket's own ceiling is set in onSocket and raised at auth (frame-limits.ts).
    const wss = new WebSocketServer({ noServer: true, maxPayload: PREAUTH_SOCKET_CEILING, perMessageDeflate: false, clientTracking: false });
    // The pairing service asks the gateway (built next) about settings and live connections.
    const late: { gw?: Gateway } = {};
    const pairing = new PairingService(
      store, audit,
      { ttlMs: timing.pendingTtlMs, cooldownMs: timing.denyCooldownMs, maxTotal: cfg.limits.pendingMax, maxPerAddress: cfg.limits.pendingPerAddress },
      () => config.get().silentApproval,
      (deviceId) => late.gw?.isDeviceConnected(deviceId) ?? false,
    );
    pairing.setPaused(cfg.pairingPaused);
    // Requests that were waiting survive a restart: back with their ids and deadlines (lapsed ones expire now,
    // recorded like any expiry); from here on every change of the queue is written.
    const pendingFile = await PendingFile.open(home);
    for (const req of pendingFile.restored) pairing.pending.restore(req);
    pairing.on('pending', (list) => void pendingFile.save(list));
    const hub = await ApprovalsHub.open(home, {
      connections: () => late.gw?.conns.values() ?? [],
      nodeConnection: (nodeId) => late.gw?.nodeConnection(nodeId),
      approvalTimeoutMs: () => timing.approvalTimeoutMs ?? config.get().approvals?.timeoutMs ?? 1_800_000,
      audit: (entry) => {
        const full = { ts: Date.now(), ...entry };
        void audit.append(full);
        late.gw?.broadcast('loopgate.audit', full, full.deviceId);
      },
      broadcast: (event, payload, about) => late.gw?.broadcast(event, payload, about),
      log: (line) => late.gw?.log(line),
    });
    pairing.programPinning = () => config.get().programPinning;
    const attributor = opts.attributor ?? (await Attributor.forThisOs());
    const gw = new Gateway(opts, timing, config, sessions, pairing, hub, token, server, wss, attributor);
    gw.pendingFile = pendingFile;
    const repaired = store.health().notice; // a torn journal record cut at open
    if (repaired) gw.log(repaired);
    if (pendingFile.problem) gw.log(`pending requests of the previous run could not be read (they will be asked again): ${pendingFile.problem}`);
    late.gw = gw;
    gw.wire();
    const settings = config.health();
    if (!settings.ok) gw.log(`WARNING settings file unusable: ${settings.error}`);
    await gw.listen(opts.port ?? cfg.port);
    return gw;
  }

  // ---- wiring -----------------------------------------------------------------------------------

  private wire(): void {
    this.router.register({ ...systemMethods(this), ...sessionMethods(this), ...pairingMethods(this), ...nodeMethods(this), ...approvalMethods(this.hub) });
    this.features.methods = this.router.names();
    const p = this.pairing;
    p.on('requested', (req) => {
      this.broadcast('device.pair.requested', req, req.deviceId);
      this.emitter.emit('request', req);
    });
    p.on('resolved', (ev) => {
      this.broadcast('device.pair.resolved', ev, ev.deviceId);
      this.emitter.emit('resolved', ev);
    });
    p.on('pending', (list) => this.emitter.emit('pending', list));
    p.on('audit', (entry) => {
      this.broadcast('loopgate.audit', entry, entry.deviceId);
      // A removed device's node command surface must be approved again if it ever comes back.
      if (entry.decision === 'removed' && !entry.kind) void this.hub.surfaces.forget(entry.deviceId).catch(() => {});
    });
    let lastHealth = JSON.stringify(p.store.health());
    p.store.onChange(() => {
      this.devices.recordsChanged();
      const health = p.store.health();
      const text = JSON.stringify(health);
      if (text === lastHealth) return;
      lastHealth = text;
      this.broadcast('loopgate.store', health);
      this.emitter.emit('store', health);
    });
    p.on('disconnect', ({ deviceId, role, reason }) => {
      for (const c of this.conns.values()) {
        if (c.identity?.deviceId === deviceId && (!role || c.identity.role === role)) c.close(CloseCode.POLICY, reason);
      }
    });
    guardHttpEdge(this.server, () => this.timing.handshakeTimeoutMs);
    this.server.on('request', (req, res) => {
      const refused = httpRefusal(req);
      if (refused) {
        res.writeHead(refused.status, { 'content-type': 'text/plain', connection: 'close', 'x-content-type-options': 'nosniff' }).end(refused.reason);
        return;
      }
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ ok: true, version: this.version }));
        return;
      }
      serveStatic(req, res, this.opts.rendererDir, this.port);
    });
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.tickTimer = setInterval(() => this.heartbeat(), this.timing.tickIntervalMs);
    this.tickTimer.unref();
    this.memory.start(this.timing);
  }

  /** Every tick: the tick event, and a ping; a peer that did not answer the previous ping is gone (half-open). */
  private heartbeat(): void {
    this.broadcast('tick', { ts: Date.now() });
    for (const c of this.conns.values()) {
      if (!c.authed) continue;
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as { port: number }).port;
        this.allowedOrigins = new Set([...ownOrigins(this.port), ...(this.opts.appOrigins ?? [])]);
        resolve();
      });
    });
  }

  // ---- sockets ----------------------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closed) return refuse(socket, 503, 'shutting down');
    this.memory.activity();
    if (tooManyHeaders(req)) return refuse(socket, 431, `more than ${MAX_HEADERS} headers`);
    const verdict = checkUpgrade(req, { allowedOrigins: this.allowedOrigins });
    if (!verdict.ok) return refuse(socket, verdict.status, verdict.reason);
    const held = this.preauth.get(verdict.peer) ?? 0;
    let total = 0;
    for (const n of this.preauth.values()) total += n;
    if (held >= PREAUTH_PER_ADDRESS || total >= PREAUTH_TOTAL) return refuse(socket, 503, 'too many unauthenticated connections');
    this.preauth.set(verdict.peer, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (this.preauth.get(verdict.peer) ?? 1) - 1;
      if (n <= 0) this.preauth.delete(verdict.peer); else this.preauth.set(verdict.peer, n);
    };
    socket.once('close', release);
    const peerPort = (socket as { remotePort?: number }).remotePort;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, verdict.peer, verdict.locality, verdict.origin, release, peerPort));
  }

  private onSocket(ws: WebSocket, peer: string, transport: 'local' | 'browser' | 'remote', origin: string | undefined, releasePreauth: () => void, peerPort?: number): void {
    const conn = new Connection(randomUUID(), ws, peer, transport, origin, randomUUID());
    setSocketFrameCeiling(ws, PREAUTH_SOCKET_CEILING);
    if (isLoopbackAddress(peer)) {
      // An Origin header is a claim any local program can make: only the owner credential makes it Loopgate's own.
      const hints = () => (conn.identity?.authMethod !== 'owner' || !origin ? {} : { window: (this.opts.appOrigins ?? []).includes(origin), dashboard: ownOrigins(this.port).includes(origin) });
      conn.who = lazyAttribution(this.attributor, peerPort, () => this.port, hints);
    }
    this.conns.set(conn.id, conn);
    conn.rawEvent('connect.challenge', { nonce: conn.nonce, ts: Date.now() });
    const deadline = setTimeout(() => { if (!conn.authed) conn.close(CloseCode.NORMAL); }, this.timing.handshakeTimeoutMs);
    deadline.unref();
    let handshaking = false;
    ws.on('message', (data, isBinary) => {
      this.memory.activity();
      if (conn.closing) return;
      if (!conn.authed) {
        if (handshaking) return; // one connect at a time; anything else before hello-ok is ignored
        handshaking = true;
        void this.onPreauthFrame(conn, data, isBinary).finally(() => {
          handshaking = false;
          if (conn.authed) {
            clearTimeout(deadline);
            releasePreauth();
          }
        });
        return;
      }
      if (this.frameSize(data) > conn.maxPayload) return refuseOversized(conn, data, this.frameSize(data), this.invocations);
      void this.onFrame(conn, data);
    });
    ws.on('error', () => {});
    ws.on('pong', () => { conn.alive = true; });
    ws.on('close', () => {
      clearTimeout(deadline);
      releasePreauth();
      this.conns.delete(conn.id);
      this.devices.count(conn.identity?.deviceId, -1);
      if (conn.ownerHandle) this.owner.release(conn.ownerHandle);
      this.invocations.dropConnection(conn);
      this.hub.connectionClosed(conn);
      if (conn.identity && conn.identity.clientMode !== 'cli') this.broadcastPresence(conn);
    });
  }

  private frameSize(data: RawData): number {
    return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
  }

  private async onPreauthFrame(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (this.frameSize(data) > MAX_PREAUTH_PAYLOAD_BYTES) return conn.close(CloseCode.TOO_BIG, 'preauth payload too large');
    let frame: unknown;
    try {
      frame = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
    } catch {
      return conn.close(CloseCode.NORMAL, 'invalid request frame: not JSON');
    }
    const parsed = RequestFrameSchema.safeParse(frame);
    if (!parsed.success) return conn.close(CloseCode.POLICY, 'invalid request frame');
    const req = parsed.data;
    if (req.method !== 'connect') {
      const message = 'invalid handshake: first request must be connect';
      conn.fail(req.id, { code: ErrorCode.INVALID_REQUEST, message });
      return conn.close(CloseCode.POLICY, message);
    }
    const generation = this.tokenGeneration;
    try {
      const result = await runHandshake(conn, req.params, {
        gatewayToken: () => this.token, owner: this.owner, pairing: this.pairing, limiter: this.limiter,
      });
      if (!conn.open) {
        // Gone during the handshake: its close handler already ran.
        if (result.ownerHandle) this.owner.release(result.ownerHandle);
        return;
      }
      if (result.identity.authMethod === 'token' && generation !== this.tokenGeneration) {
        conn.fail(req.id, { code: ErrorCode.INVALID_REQUEST, message: `unauthorized: ${TOKEN_ROTATED} during the handshake; reconnect with the new token` });
        return conn.close(CloseCode.POLICY, TOKEN_ROTATED);
      }
      conn.identity = result.identity;
      conn.ownerHandle = result.ownerHandle;
      conn.maxPayload = this.config.get().limits.maxPayloadBytes;
      setSocketFrameCeiling(conn.ws, socketCeiling(conn.maxPayload));
      this.devices.count(result.identity.deviceId, 1);
      conn.respond(req.id, this.helloOk(conn, result.token, result.ownerSession));
      if (result.identity.role === 'node' && result.identity.deviceId) this.hub.nodeConnected(conn);
      if (result.identity.clientMode !== 'cli') this.broadcastPresence(conn);
      traceAfterHandshake(conn, this.pairing.programs);
    } catch (e) {
      if (e instanceof HandshakeFailure) {
        // A request id handed to the device is on disk first: a crash right after cannot lose the request.
        if ((e.error?.details as { code?: string } | undefined)?.code === DetailCode.PAIRING_REQUIRED) await this.pendingFile?.flush();
        if (e.error) conn.fail(req.id, e.error);
        return conn.close(e.closeCode, e.closeReason);
      }
      const message = `connect failed: ${(e as Error).message}`;
      conn.fail(req.id, { code: ErrorCode.UNAVAILABLE, message });
      conn.close(CloseCode.POLICY, message);
    }
  }

  private async onFrame(conn: Connection, data: RawData): Promise<void> {
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return conn.fail('invalid', { code: ErrorCode.INVALID_REQUEST, message: 'invalid request frame: not JSON' });
    }
    const parsed = RequestFrameSchema.safeParse(frame);
    if (!parsed.success) {
      const id = typeof (frame as { id?: unknown })?.id === 'string' && (frame as { id: string }).id ? (frame as { id: string }).id : 'invalid';
      return conn.fail(id, { code: ErrorCode.INVALID_REQUEST, message: `invalid request frame: ${formatIssues(parsed.error.issues)}` });
    }
    const { id, method, params } = parsed.data;
    // The window, the dashboard and token clients (the CLI) decide under their program's name: a decision waits
    // for the lookup if it is still running; other calls (and a paired device's) never wait for it.
    if (!conn.identity?.deviceId && conn.who && !conn.attribution && isDecision(method)) conn.attribution = await conn.who();
    await this.router.dispatch(conn, this.actorOf(conn), id, method, params);
  }

  /** Authority follows the credential this handshake proved (authority.ts), never the mere presence of a device block. */
  private actorOf(conn: Connection): Actor {
    return actorFor(conn.identity!, conn.attribution?.status === 'found' ? attributionLabel(conn.attribution) : undefined);
  }

  private helloOk(conn: Connection, token: { token?: string; role: string; scopes: string[]; issuedAtMs: number } | null, ownerSession?: string): unknown {
    const id = conn.identity!;
    const policy = { maxPayload: conn.maxPayload, maxBufferedBytes: ADVERTISED_MAX_BUFFERED_BYTES, tickIntervalMs: this.timing.tickIntervalMs };
    const auth = id.protocol >= 4 || token?.token || ownerSession
      ? {
          method: id.authMethod, role: id.role, scopes: id.scopes,
          ...(token?.token ? { deviceToken: token.token, issuedAtMs: token.issuedAtMs } : {}),
          ...(ownerSession ? { ownerSession } : {}),
        }
      : undefined;
    return {
      type: 'hello-ok',
      protocol: id.protocol,
      server: { version: this.version, connId: conn.id, bootId: this.bootId, name: 'loopgate' },
      features: this.features,
      snapshot: this.snapshot(conn),
      ...(auth ? { auth } : {}),
      policy,
    };
  }

  // ---- fan-out ----------------------------------------------------------------------------------

  broadcast(event: string, payload: unknown, about?: string): void {
    for (const c of this.conns.values()) if (mayReceive(c.identity, event, about)) c.event(event, payload);
  }

  private broadcastPresence(about: Connection): void {
    fanOutPresence(this.conns.values(), about);
  }

  // ---- state views ------------------------------------------------------------------------------

  uptimeMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Connected clients; `viewer` (when given) sees only what it reaches: a device session, its own connections. */
  presence(viewer?: Connection): unknown[] {
    return presenceFor(this.conns.values(), viewer);
  }

  snapshot(viewer: Connection): unknown {
    return {
      presence: this.presence(viewer),
      health: { ok: true },
      stateVersion: { presence: 0, health: 0 },
      uptimeMs: this.uptimeMs(),
      configPath: this.config.path,
      stateDir: this.opts.home,
    };
  }

  /** Gateway state; a device's own session gets the same shape, counted over itself only. */
  status(viewer?: Connection): unknown {
    const self = viewer && authorityOf(viewer.identity!) === 'device' ? viewer.identity!.deviceId! : undefined;
    if (self !== undefined) {
      return {
        ok: true, version: this.version, uptimeMs: this.uptimeMs(), port: this.port, url: this.url,
        ...ownCounts(this.conns.values(), self, { paired: !!this.pairing.store.get(self), pending: !!this.pairing.pending.forDevice(self) }),
        pairingPaused: this.pairing.isPaused(), store: { ok: this.pairing.store.health().ok }, config: { ok: this.config.health().ok },
        silentApproval: this.config.get().silentApproval,
      };
    }
    const conns = [...this.conns.values()].filter((c) => c.authed);
    // OpenClaw's summary fields first (its CLI reads them), then Loopgate's own.
    return {
      ...openclawStatusSummary(this.sessions.size),
      ok: true, version: this.version, uptimeMs: this.uptimeMs(), port: this.port, url: this.url,
      connections: conns.length, nodes: this.nodes().length, devices: this.pairing.store.size(), pending: this.pairing.pending.size,
      pairingPaused: this.pairing.isPaused(), store: this.pairing.store.health(), config: this.config.health(),
      silentApproval: this.config.get().silentApproval, home: this.opts.home, approvalsPending: this.hub.exec.records.size,
      attribution: this.attributor.describe(), programPinning: this.config.get().programPinning,
      memory: this.memory.view(),
    };
  }

  identity(): unknown {
    return { gateway: 'loopgate', version: this.version, bootId: this.bootId, url: this.url };
  }

  nodes(): Connection[] {
    return [...this.conns.values()].filter((c) => c.identity?.role === 'node' && c.identity.deviceId);
  }

  nodeConnection(nodeId: string): Connection | undefined {
    return this.nodes().find((c) => c.identity!.deviceId === nodeId);
  }

  describeNode(c: Connection): unknown {
    const i = c.identity!;
    const rec = this.pairing.store.get(i.deviceId!);
    // caps/commands: what node.invoke will relay (declared and approved); the rest waits for the user.
    const eff = this.hub.surfaces.effective(i.deviceId!, i);
    const st = this.hub.surfaces.state(i.deviceId!);
    return {
      nodeId: i.deviceId, displayName: rec?.displayName ?? i.displayName, platform: i.platform, version: i.version,
      deviceFamily: i.deviceFamily, caps: eff.caps, commands: eff.commands, declaredCaps: i.caps, declaredCommands: i.commands,
      approvalState: st.approvalState, ...(st.pending ? { pendingRequestId: st.pending.requestId, pendingDeclaredCommands: st.pending.commands, pendingDeclaredCaps: st.pending.caps } : {}),
      connected: true, connectedAtMs: i.connectedAtMs, remoteIp: i.local ? undefined : c.peer, paired: !!rec,
    };
  }

  isDeviceConnected(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  gatewayToken(): string {
    return this.token;
  }

  /** A new gateway token; the sessions the old one opened end at once (token-rotation.ts). */
  async rotateGatewayToken(by?: Connection): Promise<string> {
    this.token = await rotateGatewayToken(this.opts.home);
    this.tokenGeneration++;
    const closed = endOldTokenSessions(this.conns.values(), this.owner, by);
    this.log(`gateway token rotated; ${closed} session${closed === 1 ? '' : 's'} opened with the old token closed`);
    return this.token;
  }

  async setConfig(path: string, value: unknown): Promise<GatewayConfig> {
    const cfg = await this.config.set(path, value);
    this.pairing.setPaused(cfg.pairingPaused);
    this.emitter.emit('config', cfg);
    this.broadcast('loopgate.config', cfg);
    this.pairing.pending.setLimits({ ttlMs: this.opts.timing?.pendingTtlMs ?? cfg.limits.pendingTtlMs, cooldownMs: this.opts.timing?.denyCooldownMs ?? cfg.limits.denyCooldownMs, maxTotal: cfg.limits.pendingMax, maxPerAddress: cfg.limits.pendingPerAddress });
    return cfg;
  }

  // ---- GatewayHandle ----------------------------------------------------------------------------

  get approvals(): ApprovalsHandle {
    return this.hub;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get home(): string {
    return this.opts.home;
  }

  issueOwnerCredential(): string {
    return this.owner.issueLink();
  }

  /** A one-time dashboard link; asked for through the gateway token (directly or not), it lives only as long as that token. */
  dashboardUrl(by?: Connection): string {
    const derived = !!by?.identity && (by.identity.authMethod === 'token' || this.owner.isDerived(by.ownerHandle));
    return `http://127.0.0.1:${this.port}/#${this.owner.issueLink(derived)}`;
  }

  pending(): PendingRequestView[] {
    return this.pairing.pending.list();
  }

  storeHealth(): StoreHealth {
    return this.pairing.store.health();
  }

  configHealth(): ConfigHealth {
    return this.config.health();
  }

  approve(requestId: string): Promise<ApproveResult> {
    return this.pairing.approve(requestId, { kind: 'owner', label: 'owner (Loopgate tray)' }).then((r) => ({ requestId: r.requestId, deviceId: r.device.deviceId }));
  }

  reject(requestId: string): Promise<ApproveResult> {
    return this.pairing.reject(requestId, { kind: 'owner', label: 'owner (Loopgate tray)' });
  }

  async setPairingPaused(paused: boolean): Promise<void> {
    await this.setConfig('pairingPaused', paused);
  }

  pairingPaused(): boolean {
    return this.pairing.isPaused();
  }

  /** Listeners are adapters (tray, notifications); a bug in one is logged, never fatal to the gateway. */
  on<K extends keyof GatewayEvents>(event: K, listener: GatewayEvents[K]): () => void {
    return safeListener(this.emitter, event, listener, (line) => this.log(line));
  }

  log(line: string): void {
    (this.opts.log ?? ((l: string) => process.stderr.write(`loopgate: ${l}\n`)))(line);
  }

  async close(reason = 'gateway stopping'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tickTimer);
    this.memory.stop();
    this.devices.close();
    this.broadcast('shutdown', { reason });
    for (const c of this.conns.values()) c.close(CloseCode.GOING_AWAY, reason);
    for (const c of this.conns.values()) c.ws.terminate();
    this.conns.clear();
    this.pairing.close();
    this.hub.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections?.();
    await this.pendingFile?.flush();
    await this.pairing.store.close();
    await this.pairing.audit.close();
  }
}

export function startGateway(opts: GatewayOptions): Promise<Gateway> {
  return Gateway.start(opts);
}

export type { PairResolvedEvent };
export { GatewayError };
