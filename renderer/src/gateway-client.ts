// The window's own gateway connection: the same protocol every other client speaks (challenge, connect,
// req/res, events), with reconnect and backoff, and the owner credential handled so that it never outlives the tab.
import { bridge } from './bridge';

export interface ErrorShape {
  code: string;
  message: string;
  details?: unknown;
}

/** A method answered ok:false (or could not be sent); carries the wire error. */
export class GatewayRequestError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(shape: ErrorShape) {
    super(shape.message);
    this.name = 'GatewayRequestError';
    this.code = shape.code;
    this.details = shape.details;
  }
}

export interface HelloOk {
  type: 'hello-ok';
  protocol: number;
  server?: { version?: string; connId?: string };
  auth?: { method?: string; role?: string; scopes?: string[]; ownerSession?: string };
  policy?: { tickIntervalMs?: number; maxPayload?: number; [k: string]: unknown };
  snapshot?: unknown;
}

export type ConnStatus =
  /** First connect in progress (nothing shown yet). */
  | 'connecting'
  | 'open'
  /** Was open or tried to open, and the gateway cannot be reached now: retrying with backoff. */
  | 'down'
  /** No credential at all (the page was opened without the dashboard link). */
  | 'no-credential'
  /** The credential was refused: a used link or an ended session. Retrying cannot help. */
  | 'unauthorized';

export interface ConnState {
  status: ConnStatus;
  /** Consecutive failed attempts since the last successful connect. */
  attempts: number;
  /** When the next attempt starts (status 'down'). */
  retryAtMs?: number;
  /** Status 'down' and an attempt is under way right now ("Retry now" has nothing to add). */
  retrying?: boolean;
  lastError?: string;
}

type CredentialKind = 'link' | 'session' | 'bridge';

interface Credential {
  url: string;
  credential: string;
  kind: CredentialKind;
}

const SESSION_KEY = 'loopgate.session';

/** Where the credential for the next attempt comes from, and what happens to it after the gateway answers. */
export interface CredentialSource {
  next(): Promise<Credential | null>;
  accepted(kind: CredentialKind, ownerSession: string | undefined): void;
  /** The gateway refused this credential; true when another one is worth trying. */
  rejected(kind: CredentialKind): boolean;
}

function readSession(): string | null {
  try { return sessionStorage.getItem(SESSION_KEY); } catch { return null; }
}

function writeSession(value: string | null): void {
  try {
    if (value) sessionStorage.setItem(SESSION_KEY, value);
    else sessionStorage.removeItem(SESSION_KEY);
  } catch { /* storage disabled: the session then lives in memory only */ }
}

/**
 * Take the one-time link credential out of the address bar (http://127.0.0.1:PORT/#<credential>) at once, so it
 * is not kept in history, bookmarks or screenshots. Returns it, or null when the URL carries none.
 */
export function takeLinkCredential(): string | null {
  const raw = location.hash.replace(/^#/, '');
  if (!raw) return null;
  history.replaceState(null, '', location.pathname + location.search);
  let value = raw;
  try { value = decodeURIComponent(raw); } catch { /* keep raw */ }
  return value.trim() || null;
}

/** Headless mode: the page is served by the gateway; link credential from the fragment, then the session. */
export function browserCredentialSource(linkCredential: string | null, url = `ws://${location.host}/`): CredentialSource {
  let link = linkCredential;
  let session = link ? null : readSession();
  if (link) writeSession(null); // a fresh link replaces whatever session this tab had
  return {
    async next() {
      if (link) return { url, credential: link, kind: 'link' };
      if (session) return { url, credential: session, kind: 'session' };
      return null;
    },
    accepted(kind, ownerSession) {
      if (ownerSession) {
        session = ownerSession;
        writeSession(ownerSession);
        link = null; // one-time: never reused once the gateway has exchanged it
      } else if (kind === 'session') {
        // keep using the session
      }
    },
    rejected(kind) {
      if (kind === 'link') link = null;
      if (kind === 'session') { session = null; writeSession(null); }
      return Boolean(link || session);
    },
  };
}

/** Electron: the preload bridge hands out the gateway URL and an ephemeral owner credential. */
export function bridgeCredentialSource(): CredentialSource {
  let session: string | null = readSession();
  let url: string | null = null;
  let bridgeRefused = false;
  return {
    async next() {
      const b = bridge();
      if (!b) return null;
      if (session) {
        if (!url) url = (await b.connectInfo()).url;
        return { url, credential: session, kind: 'session' };
      }
      if (bridgeRefused) return null;
      const info = await b.connectInfo();
      url = info.url;
      return { url: info.url, credential: info.credential, kind: 'bridge' };
    },
    accepted(_kind, ownerSession) {
      bridgeRefused = false;
      if (ownerSession) { session = ownerSession; writeSession(ownerSession); }
    },
    rejected(kind) {
      if (kind === 'session') { session = null; writeSession(null); return !bridgeRefused; }
      bridgeRefused = true;
      return false;
    },
  };
}

interface Waiter {
  resolve: (payload: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

type EventHandler = (payload: unknown, seq: number | undefined) => void;

export const CLIENT_INFO = { id: 'loopgate-ui', version: '0.1.0', platform: 'web', mode: 'ui' } as const;

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

function isAuthError(err: ErrorShape | undefined): boolean {
  if (!err) return false;
  if (err.code === 'INVALID_REQUEST' && /^unauthori[sz]ed/i.test(err.message)) return true;
  const detail = (err.details as { code?: unknown } | undefined)?.code;
  return typeof detail === 'string' && /^AUTH_(TOKEN_MISSING|TOKEN_MISMATCH|REQUIRED)$/.test(detail);
}

export class GatewayClient {
  private ws: WebSocket | null = null;
  /** Every socket this client opened that has not closed yet: stop() closes them all, orphans included. */
  private readonly sockets = new Set<WebSocket>();
  /** An attempt is in progress (getting the credential, opening, or in the handshake). */
  private attempting = false;
  private state: ConnState = { status: 'connecting', attempts: 0 };
  private readonly stateListeners = new Set<(s: ConnState) => void>();
  private readonly eventListeners = new Map<string, Set<EventHandler>>();
  private readonly helloListeners = new Set<(h: HelloOk) => void>();
  private readonly waiters = new Map<string, Waiter>();
  private idCounter = 0;
  private readonly idPrefix = Math.random().toString(36).slice(2, 8);
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private tickIntervalMs = 30_000;
  private stopped = false;
  private everConnected = false;
  hello: HelloOk | null = null;

  constructor(private readonly source: CredentialSource) {}

  getState(): ConnState {
    return this.state;
  }

  onState(fn: (s: ConnState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Called after every successful connect (first and reconnects): the place to (re)load data. */
  onHello(fn: (h: HelloOk) => void): () => void {
    this.helloListeners.add(fn);
    return () => this.helloListeners.delete(fn);
  }

  on(event: string, fn: EventHandler): () => void {
    let set = this.eventListeners.get(event);
    if (!set) this.eventListeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  start(): void {
    this.stopped = false;
    void this.attempt();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearWatchdog();
    for (const ws of this.sockets) {
      try { ws.close(1000, 'window closed'); } catch { /* already closing */ }
    }
    this.sockets.clear();
    this.ws = null;
    this.attempting = false;
    this.rejectWaiters('The window closed its connection.');
  }

  private rejectWaiters(message: string): void {
    for (const [id, w] of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new GatewayRequestError({ code: 'UNAVAILABLE', message }));
      this.waiters.delete(id);
    }
  }

  request<T = unknown>(method: string, params?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.state.status !== 'open') {
      return Promise.reject(new GatewayRequestError({ code: 'UNAVAILABLE', message: 'The gateway is unreachable right now.' }));
    }
    const id = this.nextId();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new GatewayRequestError({ code: 'AGENT_TIMEOUT', message: `${method} timed out` }));
      }, timeoutMs);
      this.waiters.set(id, { resolve: resolve as (p: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ type: 'req', id, method, params: params ?? {} }));
    });
  }

  private nextId(): string {
    this.idCounter += 1;
    return `ui-${this.idPrefix}-${this.idCounter}`;
  }

  private setState(next: ConnState): void {
    this.state = next;
    for (const fn of this.stateListeners) fn(next);
  }

  /** One attempt at a time: a second caller (a double-clicked "Retry now", a timer) finds this one running. */
  private async attempt(): Promise<void> {
    if (this.stopped || this.attempting) return;
    this.attempting = true;
    if (this.state.status === 'down') this.setState({ ...this.state, retryAtMs: undefined, retrying: true });
    let cred: Credential | null;
    try {
      cred = await this.source.next();
    } catch (err) {
      this.scheduleRetry(`could not get the connection details: ${String(err)}`);
      return;
    }
    if (this.stopped) { this.attempting = false; return; }
    if (!cred) {
      this.attempting = false;
      this.setState({ status: this.everConnected ? 'unauthorized' : 'no-credential', attempts: this.state.attempts });
      return;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(cred.url);
    } catch (err) {
      this.scheduleRetry(String(err));
      return;
    }
    // A socket left over from an earlier attempt must not stay open next to this one.
    for (const old of this.sockets) {
      old.onclose = null;
      try { old.close(1000, 'replaced'); } catch { /* already closing */ }
    }
    this.sockets.clear();
    this.sockets.add(ws);
    this.ws = ws;
    const connectId = this.nextId();
    let connectSent = false;
    let settled = false;
    let authRefused = false;
    const handshakeTimer = setTimeout(() => {
      if (!settled) ws.close(4000, 'handshake timeout');
    }, HANDSHAKE_TIMEOUT_MS);

    ws.onopen = () => performance.mark('loopgate:ws-open');
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let frame: { type?: string; id?: string; ok?: boolean; payload?: unknown; error?: ErrorShape; event?: string; seq?: number };
      try { frame = JSON.parse(ev.data); } catch { return; }
      this.armWatchdog();
      if (!settled) {
        if (frame.type === 'event' && frame.event === 'connect.challenge' && !connectSent) {
          connectSent = true;
          ws.send(JSON.stringify({
            type: 'req', id: connectId, method: 'connect',
            params: {
              minProtocol: 3, maxProtocol: 4, client: CLIENT_INFO, role: 'operator', scopes: ['operator.admin'],
              auth: { token: cred.credential },
            },
          }));
          return;
        }
        if (frame.type === 'res' && frame.id === connectId) {
          settled = true;
          clearTimeout(handshakeTimer);
          if (frame.ok) {
            this.attempting = false;
            performance.mark('loopgate:hello');
            const hello = frame.payload as HelloOk;
            this.hello = hello;
            this.everConnected = true;
            this.source.accepted(cred.kind, hello?.auth?.ownerSession);
            if (typeof hello?.policy?.tickIntervalMs === 'number' && hello.policy.tickIntervalMs > 0) this.tickIntervalMs = hello.policy.tickIntervalMs;
            this.setState({ status: 'open', attempts: 0 });
            this.armWatchdog();
            for (const fn of this.helloListeners) fn(hello);
          } else if (isAuthError(frame.error)) {
            authRefused = true;
            const more = this.source.rejected(cred.kind);
            ws.onclose = null;
            ws.close(1000);
            this.sockets.delete(ws);
            if (this.ws === ws) this.ws = null;
            this.attempting = false;
            if (more) void this.attempt();
            else this.setState({ status: 'unauthorized', attempts: this.state.attempts, lastError: frame.error?.message });
          } else {
            this.state = { ...this.state, lastError: frame.error ? `${frame.error.code}: ${frame.error.message}` : 'connect refused' };
            ws.close(1000);
          }
        }
        return;
      }
      if (frame.type === 'res' && typeof frame.id === 'string') {
        const w = this.waiters.get(frame.id);
        if (!w) return;
        this.waiters.delete(frame.id);
        clearTimeout(w.timer);
        if (frame.ok) w.resolve(frame.payload);
        else w.reject(new GatewayRequestError(frame.error ?? { code: 'UNAVAILABLE', message: 'request failed' }));
        return;
      }
      if (frame.type === 'event' && typeof frame.event === 'string') {
        const set = this.eventListeners.get(frame.event);
        if (set) for (const fn of [...set]) {
          try { fn(frame.payload, frame.seq); } catch (err) { console.error(`handler for ${frame.event} failed`, err); }
        }
        const any = this.eventListeners.get('*');
        if (any) for (const fn of [...any]) fn({ event: frame.event, payload: frame.payload }, frame.seq);
      }
    };
    ws.onerror = () => { /* onclose follows */ };
    ws.onclose = (ev: CloseEvent) => {
      clearTimeout(handshakeTimer);
      this.sockets.delete(ws);
      if (this.ws !== ws) return; // replaced or stopped: nothing of this client's state is about this socket
      this.clearWatchdog();
      this.ws = null;
      this.rejectWaiters('The connection to the gateway closed.');
      if (this.stopped || authRefused) return;
      const why = this.state.lastError && !settled ? this.state.lastError : `closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`;
      this.scheduleRetry(why);
    };
  }

  private scheduleRetry(lastError: string): void {
    this.attempting = false;
    if (this.stopped) return;
    const attempts = this.state.attempts + 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempts - 1, 10));
    const jittered = Math.round(delay * (0.85 + Math.random() * 0.3));
    this.setState({ status: 'down', attempts, retryAtMs: Date.now() + jittered, lastError });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => { this.retryTimer = null; void this.attempt(); }, jittered);
  }

  /** Retry now (the banner's "Retry now" button); nothing when an attempt is already under way. */
  retryNow(): void {
    if (this.state.status !== 'down' || this.attempting || this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    void this.attempt();
  }

  /** A connection that stays silent for three tick intervals is dead even if TCP has not noticed. */
  private armWatchdog(): void {
    this.clearWatchdog();
    const ws = this.ws;
    if (!ws) return;
    this.watchdog = setTimeout(() => ws.close(4001, 'no tick from the gateway'), this.tickIntervalMs * 3);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }
}
