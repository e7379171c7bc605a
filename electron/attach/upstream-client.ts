// Loopgate's connection to the OpenClaw gateway it attaches to: an operator with its own device identity,
// the shared secret from the user or the OpenClaw config, requests and events, and reconnection with backoff
// whenever that gateway restarts. The state says plainly what is going on (connected, retrying, secret refused,
// waiting for approval on that gateway) so the window, the tray and the CLI can say it too.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { LOOPGATE_VERSION } from '../../shared/version';
import { signConnect, type AttachIdentity } from './attach-identity';

export type UpstreamStatus =
  /** Before the first successful connect. */
  | 'connecting'
  | 'connected'
  /** Was connected or tried: that gateway cannot be reached now; retrying with backoff. */
  | 'reconnecting'
  /** That gateway refused the secret (wrong or missing token): retried slowly, the secret re-read each time. */
  | 'unauthorized'
  /** That gateway wants Loopgate's own device approved first (e.g. autoApproveLocal off). */
  | 'pairing-required'
  | 'stopped';

export interface UpstreamState {
  status: UpstreamStatus;
  url: string;
  attempts: number;
  /** Why the last attempt failed, in words. */
  lastError?: string;
  /** When the next attempt starts. */
  retryAtMs?: number;
  /** With pairing-required: the request to approve on that gateway. */
  requestId?: string;
  /** From hello-ok: what answered. */
  server?: { version?: string; connId?: string };
  connectedAtMs?: number;
}

export interface UpstreamSecret {
  secret?: string;
  kind: 'token' | 'password';
}

export interface UpstreamOptions {
  url: string;
  identity: AttachIdentity;
  /** Asked before every attempt, so a token fixed in the OpenClaw config is picked up without a restart. */
  secret: () => Promise<UpstreamSecret>;
  scopes?: string[];
  backoff?: { minMs: number; maxMs: number; unauthorizedMs: number };
  requestTimeoutMs?: number;
}

export class UpstreamError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

interface UpstreamEvents {
  state: [UpstreamState];
  /** Every event frame from that gateway after hello-ok. */
  event: [string, unknown];
  hello: [Record<string, unknown>];
}

/** What Loopgate needs on the gateway it attaches to: read everything, decide pairing, see approvals. */
export const ATTACH_SCOPES = ['operator.admin', 'operator.read', 'operator.pairing', 'operator.approvals'];
/** Marks Loopgate as an approval client there: that gateway then sends it exec.approval.* and counts it as a route. */
export const ATTACH_CAPS = ['exec-approvals'];
const CLIENT = { id: 'gateway-client', mode: 'backend', displayName: 'Loopgate' } as const;
const DEFAULT_BACKOFF = { minMs: 250, maxMs: 10_000, unauthorizedMs: 15_000 };
const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_FRAME = 26_214_400;

function isAuthFailure(err: { code?: string; message?: string; details?: unknown } | undefined): boolean {
  const detail = (err?.details as { code?: unknown } | undefined)?.code;
  return /^unauthori[sz]ed/i.test(err?.message ?? '') || (typeof detail === 'string' && detail.startsWith('AUTH_'));
}

export class UpstreamClient extends EventEmitter<UpstreamEvents> {
  private ws: WebSocket | null = null;
  private state: UpstreamState;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private tickMs = 30_000;
  private stopped = false;
  private next = 1;
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly backoff: { minMs: number; maxMs: number; unauthorizedMs: number };

  constructor(private readonly opts: UpstreamOptions) {
    super();
    this.state = { status: 'connecting', url: opts.url, attempts: 0 };
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  }

  getState(): UpstreamState {
    return this.state;
  }

  get connected(): boolean {
    return this.state.status === 'connected';
  }

  start(): this {
    void this.attempt();
    return this;
  }

  /** Resolves with the next state change that satisfies `pred` (or at once when the current one does). */
  waitFor(pred: (s: UpstreamState) => boolean, timeoutMs = 15_000): Promise<UpstreamState> {
    if (pred(this.state)) return Promise.resolve(this.state);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.off('state', on); reject(new Error(`gateway at ${this.opts.url}: ${this.describe()}`)); }, timeoutMs);
      const on = (s: UpstreamState) => {
        if (!pred(s)) return;
        clearTimeout(t);
        this.off('state', on);
        resolve(s);
      };
      this.on('state', on);
    });
  }

  /** One sentence about the connection, for the CLI and the tray. */
  describe(): string {
    const s = this.state;
    switch (s.status) {
      case 'connected': return `attached to the OpenClaw gateway at ${s.url}`;
      case 'connecting': return `connecting to the OpenClaw gateway at ${s.url}…`;
      case 'reconnecting': return `the OpenClaw gateway at ${s.url} is not reachable (${s.lastError ?? 'no answer'}); retrying`;
      case 'unauthorized': return `the OpenClaw gateway at ${s.url} refused the token (${s.lastError ?? 'unauthorized'}); check --token or gateway.auth.token in its config`;
      case 'pairing-required': return `the OpenClaw gateway at ${s.url} wants Loopgate's device approved first: openclaw devices approve ${s.requestId ?? '<requestId>'}`;
      case 'stopped': return 'detached';
    }
  }

  request<T = unknown>(method: string, params?: unknown, timeoutMs = this.opts.requestTimeoutMs ?? 30_000): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.connected) {
      return Promise.reject(new UpstreamError('UNAVAILABLE', `the OpenClaw gateway at ${this.opts.url} is not connected (${this.describe()})`));
    }
    const id = `lg-${this.next++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new UpstreamError('AGENT_TIMEOUT', `${method} on the OpenClaw gateway timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ type: 'req', id, method, params: params ?? {} }));
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    this.failWaiting('detached');
    const ws = this.ws;
    this.ws = null;
    this.setState({ status: 'stopped', url: this.opts.url, attempts: 0 });
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'Loopgate detached');
        setTimeout(() => { ws.terminate(); resolve(); }, 1000).unref();
      });
    }
  }

  private setState(next: UpstreamState): void {
    this.state = next;
    this.emit('state', next);
  }

  private failWaiting(why: string): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new UpstreamError('UNAVAILABLE', `the OpenClaw gateway connection closed (${why})`));
      this.waiting.delete(id);
    }
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    let secret: UpstreamSecret;
    try {
      secret = await this.opts.secret();
    } catch (e) {
      return this.retry('unauthorized', `cannot read the gateway token: ${(e as Error).message}`);
    }
    if (this.stopped) return;
    const ws = new WebSocket(this.opts.url, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, maxPayload: MAX_FRAME });
    this.ws = ws;
    let settled = false;
    let failure: { status: UpstreamStatus; why: string; requestId?: string } | undefined;
    const handshake = setTimeout(() => { failure ??= { status: 'reconnecting', why: 'no hello-ok within 10 s' }; ws.terminate(); }, HANDSHAKE_TIMEOUT_MS);
    ws.on('message', (data) => {
      let f: { type?: string; id?: string; ok?: boolean; payload?: unknown; error?: { code?: string; message?: string; details?: unknown }; event?: string };
      try { f = JSON.parse(String(data)); } catch { return; }
      this.armWatchdog(ws);
      if (!settled) {
        if (f.type === 'event' && f.event === 'connect.challenge') {
          const { nonce, ts } = (f.payload ?? {}) as { nonce?: string; ts?: number };
          if (typeof nonce !== 'string' || typeof ts !== 'number') { failure = { status: 'reconnecting', why: 'malformed connect.challenge' }; ws.terminate(); return; }
          ws.send(JSON.stringify({ type: 'req', id: 'connect', method: 'connect', params: this.connectParams(secret, nonce, ts) }));
        } else if (f.type === 'res' && f.id === 'connect') {
          settled = true;
          clearTimeout(handshake);
          if (f.ok) this.onHello(ws, (f.payload ?? {}) as Record<string, unknown>);
          else {
            const details = f.error?.details as { code?: string; requestId?: string } | undefined;
            failure = isAuthFailure(f.error) ? { status: 'unauthorized', why: f.error?.message ?? 'unauthorized' }
              : f.error?.code === 'NOT_PAIRED' ? { status: 'pairing-required', why: f.error.message ?? 'pairing required', ...(details?.requestId ? { requestId: details.requestId } : {}) }
              : { status: 'reconnecting', why: `${f.error?.code ?? 'ERROR'}: ${f.error?.message ?? 'connect refused'}` };
            ws.close(1000);
          }
        }
        return;
      }
      if (f.type === 'res' && typeof f.id === 'string') {
        const w = this.waiting.get(f.id);
        if (!w) return;
        this.waiting.delete(f.id);
        clearTimeout(w.timer);
        if (f.ok) w.resolve(f.payload);
        else w.reject(new UpstreamError(f.error?.code ?? 'UNAVAILABLE', f.error?.message ?? 'request failed', f.error?.details));
      } else if (f.type === 'event' && typeof f.event === 'string') {
        this.emit('event', f.event, f.payload);
      }
    });
    ws.on('error', (e) => { failure ??= { status: 'reconnecting', why: (e as NodeJS.ErrnoException).code ?? e.message }; });
    ws.on('close', (code, reason) => {
      clearTimeout(handshake);
      clearTimeout(this.watchdog);
      if (this.ws !== ws) return;
      this.ws = null;
      this.failWaiting(`closed ${code}`);
      if (this.stopped) return;
      const f = failure ?? { status: 'reconnecting' as const, why: `closed (${code}${reason.length ? `: ${String(reason)}` : ''})` };
      this.retry(f.status, f.why, f.requestId);
    });
  }

  private connectParams(secret: UpstreamSecret, nonce: string, ts: number): unknown {
    const scopes = this.opts.scopes ?? ATTACH_SCOPES;
    const platform = process.platform;
    const device = signConnect(this.opts.identity, {
      clientId: CLIENT.id, clientMode: CLIENT.mode, role: 'operator', scopes, signedAtMs: ts, token: secret.secret ?? '', nonce, platform, deviceFamily: '',
    });
    return {
      minProtocol: 3, maxProtocol: 4,
      client: { id: CLIENT.id, version: LOOPGATE_VERSION, platform, mode: CLIENT.mode, displayName: CLIENT.displayName },
      role: 'operator', scopes, caps: ATTACH_CAPS,
      auth: secret.secret ? (secret.kind === 'password' ? { password: secret.secret } : { token: secret.secret }) : {},
      device,
    };
  }

  private onHello(ws: WebSocket, hello: Record<string, unknown>): void {
    const policy = hello.policy as { tickIntervalMs?: unknown } | undefined;
    if (typeof policy?.tickIntervalMs === 'number' && policy.tickIntervalMs > 0) this.tickMs = policy.tickIntervalMs;
    const server = hello.server as { version?: string; connId?: string } | undefined;
    this.setState({ status: 'connected', url: this.opts.url, attempts: 0, connectedAtMs: Date.now(), ...(server ? { server: { version: server.version, connId: server.connId } } : {}) });
    this.armWatchdog(ws);
    this.emit('hello', hello);
  }

  /** Three tick intervals of silence: the connection is dead even if TCP has not noticed. */
  private armWatchdog(ws: WebSocket): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => ws.terminate(), this.tickMs * 3);
    this.watchdog.unref();
  }

  private retry(status: UpstreamStatus, why: string, requestId?: string): void {
    if (this.stopped) return;
    const attempts = this.state.attempts + 1;
    const base = status === 'unauthorized' || status === 'pairing-required'
      ? this.backoff.unauthorizedMs
      : Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** Math.min(attempts - 1, 12));
    const delay = Math.round(base * (0.85 + Math.random() * 0.3));
    this.setState({ status, url: this.opts.url, attempts, lastError: why, retryAtMs: Date.now() + delay, ...(requestId ? { requestId } : {}) });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), delay);
    this.timer.unref();
  }

  /** Try again now (the window's "Retry now"). */
  retryNow(): void {
    if (this.stopped || this.connected || this.ws) return;
    clearTimeout(this.timer);
    void this.attempt();
  }
}
