// Loopgate's own local server in attach mode: the same address shape the window always uses (dashboard files,
// /healthz, a WebSocket speaking the gateway protocol), but only the window may connect (a one-time owner
// credential), and every method is answered from the attached OpenClaw gateway (attached-gateway.ts). So the
// renderer needs no second code path: it talks to Loopgate, and Loopgate talks to that gateway.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, DetailCode, ErrorCode, GatewayError } from '../../shared/errors';
import { ConnectParamsSchema, formatIssues, MAX_PREAUTH_PAYLOAD_BYTES, RequestFrameSchema } from '../../shared/frames';
import { OPERATOR_SCOPES } from '../../shared/scopes';
import { Connection } from '../gateway/connection';
import { negotiateProtocol } from '../gateway/handshake';
import { serveStatic } from '../gateway/http-static';
import { OwnerCredentials } from '../gateway/owner-credentials';
import { Router } from '../gateway/router';
import { checkUpgrade, ownOrigins } from '../gateway/upgrade-guard';

const MAX_WINDOW_SOCKETS = 16;
const WINDOW_FRAME_LIMIT = 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface WindowServerOptions {
  rendererDir?: string;
  appOrigins?: string[];
  tickIntervalMs?: number;
  /** Extra facts for hello-ok.server and /healthz. */
  version: string;
  helloSnapshot: () => unknown;
  log: (line: string) => void;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
  socket.destroy();
}

export class WindowServer {
  readonly router = new Router();
  readonly owner = new OwnerCredentials();
  private readonly conns = new Set<Connection>();
  private readonly server: Server = createServer({ maxHeaderSize: 16 * 1024 });
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: WINDOW_FRAME_LIMIT, perMessageDeflate: false, clientTracking: false });
  private readonly bootId = randomUUID();
  private tick: NodeJS.Timeout | undefined;
  private origins = new Set<string>();
  private closed = false;
  port = 0;

  constructor(private readonly opts: WindowServerOptions) {
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 10_000;
    this.server.on('request', (req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ ok: true, version: opts.version, mode: 'attach' }));
        return;
      }
      serveStatic(req, res, opts.rendererDir, this.port);
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (this.closed) return refuse(socket, 503, 'shutting down');
      const verdict = checkUpgrade(req, { allowedOrigins: this.origins });
      if (!verdict.ok) return refuse(socket, verdict.status, verdict.reason);
      if (this.conns.size >= MAX_WINDOW_SOCKETS) return refuse(socket, 503, 'too many connections');
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, verdict.peer, verdict.locality, verdict.origin));
    });
    this.server.on('clientError', (_e, socket) => refuse(socket, 400, 'bad request'));
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as { port: number }).port;
        this.origins = new Set([...ownOrigins(this.port), ...(this.opts.appOrigins ?? [])]);
        this.tick = setInterval(() => this.broadcast('tick', { ts: Date.now() }), this.opts.tickIntervalMs ?? 30_000);
        this.tick.unref();
        resolve();
      });
    });
  }

  get connections(): number {
    return [...this.conns].filter((c) => c.authed).length;
  }

  broadcast(event: string, payload: unknown): void {
    for (const c of this.conns) if (c.authed) c.event(event, payload);
  }

  private onSocket(ws: WebSocket, peer: string, transport: 'local' | 'browser' | 'remote', origin: string | undefined): void {
    const conn = new Connection(randomUUID(), ws, peer, transport, origin, randomUUID());
    this.conns.add(conn);
    conn.rawEvent('connect.challenge', { nonce: conn.nonce, ts: Date.now() });
    const deadline = setTimeout(() => { if (!conn.authed) conn.close(CloseCode.NORMAL); }, HANDSHAKE_TIMEOUT_MS);
    deadline.unref();
    ws.on('message', (data) => {
      if (conn.closing) return;
      const text = String(data);
      if (!conn.authed) {
        if (text.length > MAX_PREAUTH_PAYLOAD_BYTES) return conn.close(CloseCode.TOO_BIG, 'preauth payload too large');
        clearTimeout(deadline);
        return this.handshake(conn, text);
      }
      let frame: unknown;
      try { frame = JSON.parse(text); } catch { return conn.fail('invalid', { code: ErrorCode.INVALID_REQUEST, message: 'invalid request frame: not JSON' }); }
      const parsed = RequestFrameSchema.safeParse(frame);
      if (!parsed.success) return conn.fail('invalid', { code: ErrorCode.INVALID_REQUEST, message: `invalid request frame: ${formatIssues(parsed.error.issues)}` });
      void this.router.dispatch(conn, { kind: 'owner', label: 'owner (Loopgate window)' }, parsed.data.id, parsed.data.method, parsed.data.params);
    });
    ws.on('error', () => {});
    ws.on('pong', () => { conn.alive = true; });
    ws.on('close', () => {
      clearTimeout(deadline);
      this.conns.delete(conn);
      if (conn.ownerHandle) this.owner.release(conn.ownerHandle);
    });
  }

  /** Only the window connects here: a device-less operator with a one-time owner credential (or its session). */
  private handshake(conn: Connection, text: string): void {
    let frame: unknown;
    try { frame = JSON.parse(text); } catch { return conn.close(CloseCode.NORMAL, 'invalid request frame: not JSON'); }
    const req = RequestFrameSchema.safeParse(frame);
    if (!req.success || req.data.method !== 'connect') return conn.close(CloseCode.POLICY, 'invalid handshake: first request must be connect');
    const fail = (e: GatewayError, close: number = CloseCode.POLICY) => {
      conn.fail(req.data.id, e.shape);
      conn.close(close, e.shape.message);
    };
    const p = ConnectParamsSchema.safeParse(req.data.params);
    if (!p.success) return fail(new GatewayError(ErrorCode.INVALID_REQUEST, `invalid connect params: ${formatIssues(p.error.issues)}`));
    const protocol = negotiateProtocol(p.data.minProtocol, p.data.maxProtocol);
    if (protocol === null) return fail(new GatewayError(ErrorCode.INVALID_REQUEST, 'protocol mismatch'), CloseCode.PROTOCOL_ERROR);
    const secret = p.data.auth?.token ?? '';
    const owner = !p.data.device && (p.data.role ?? 'operator') === 'operator' ? this.owner.redeem(secret) : null;
    if (!owner) {
      return fail(new GatewayError(ErrorCode.INVALID_REQUEST, 'unauthorized: this Loopgate is attached to an OpenClaw gateway; only its window connects here (open a fresh dashboard link)', {
        code: DetailCode.AUTH_TOKEN_MISMATCH, authReason: 'token_mismatch', canRetryWithDeviceToken: false, recommendedNextStep: 'update_auth_credentials',
      }));
    }
    conn.identity = {
      protocol, role: 'operator', scopes: [...OPERATOR_SCOPES], authMethod: 'owner', local: false, clientId: p.data.client.id,
      clientMode: p.data.client.mode, platform: p.data.client.platform, version: p.data.client.version, caps: [], commands: [], connectedAtMs: Date.now(),
    };
    conn.ownerHandle = owner.handle;
    conn.respond(req.data.id, {
      type: 'hello-ok', protocol,
      server: { version: this.opts.version, connId: conn.id, bootId: this.bootId, name: 'loopgate', mode: 'attach' },
      features: { methods: this.router.names(), events: ['device.pair.requested', 'device.pair.resolved', 'loopgate.audit', 'loopgate.devices', 'loopgate.attach', 'loopgate.config', 'tick', 'shutdown'] },
      snapshot: this.opts.helloSnapshot(),
      auth: { method: 'owner', role: 'operator', scopes: [...OPERATOR_SCOPES], ...(owner.kind === 'link' ? { ownerSession: owner.session } : {}) },
      policy: { maxPayload: WINDOW_FRAME_LIMIT, maxBufferedBytes: 8 * 1024 * 1024, tickIntervalMs: this.opts.tickIntervalMs ?? 30_000 },
    });
  }

  async close(reason: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    this.broadcast('shutdown', { reason });
    for (const c of this.conns) c.close(CloseCode.GOING_AWAY, reason);
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections?.();
  }
}
