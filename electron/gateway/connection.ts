// One client socket: its identity once authenticated, and the only way frames are sent to it.
import type WebSocket from 'ws';
import type { PeerAttribution } from '../../shared/attribution';
import type { LazyAttribution } from '../attribution/connection-attribution';
import { clampCloseReason, type ErrorShape } from '../../shared/errors';
import type { TransportLocality } from './upgrade-guard';

export type AuthMethod = 'token' | 'device-token' | 'device-key' | 'owner';

export interface ConnectionIdentity {
  protocol: number;
  role: string;
  scopes: string[];
  authMethod: AuthMethod;
  deviceId?: string;
  /** Local in the spec's full sense: transport local and a credential that proves file access. */
  local: boolean;
  clientId: string;
  clientMode: string;
  displayName?: string;
  platform: string;
  deviceFamily?: string;
  version: string;
  instanceId?: string;
  caps: string[];
  commands: string[];
  connectedAtMs: number;
}

/** Outbound bytes a client may leave unread before events to it are dropped (and, for must-deliver frames, it is closed). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class Connection {
  identity: ConnectionIdentity | null = null;
  readonly nonce: string;
  private seq = 0;
  unauthorizedStreak = 0;
  closing = false;
  /** Heartbeat: cleared when a ping goes out, set by the pong; a peer that misses one is gone. */
  alive = true;
  /** node.invoke calls this connection is waiting on (bounded). */
  invocations = 0;
  /** The frame limit advertised to this connection in hello-ok (set at auth; a later change applies to new ones). */
  maxPayload = 0;
  /** The owner session this socket keeps alive, if it is the window. */
  ownerHandle: string | undefined;
  /** Who is asking: the local process behind a loopback connection, looked up once when needed. */
  who: LazyAttribution | undefined;
  /** Its result, once known (presence and decision labels read it without waiting). */
  attribution: PeerAttribution | undefined;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly peer: string,
    readonly transport: TransportLocality,
    readonly origin: string | undefined,
    nonce: string,
  ) {
    this.nonce = nonce;
  }

  get authed(): boolean {
    return this.identity !== null;
  }

  /**
   * Every frame goes out here. A client that stops reading never grows our memory without bound: responses to
   * it (which may not be dropped) close it as a slow consumer; events (which may) are dropped.
   */
  private write(text: string, droppable: boolean): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      if (!droppable) this.close(1008, 'slow consumer');
      return;
    }
    this.ws.send(text);
  }

  get open(): boolean {
    return !this.closing && this.ws.readyState === this.ws.OPEN;
  }

  respond(id: string, payload: unknown): void {
    this.write(JSON.stringify({ type: 'res', id, ok: true, payload }), false);
  }

  /** A response whose payload is already JSON text. */
  respondJson(id: string, payloadJson: string): void {
    this.write(`{"type":"res","id":${JSON.stringify(id)},"ok":true,"payload":${payloadJson}}`, false);
  }

  fail(id: string, error: ErrorShape): void {
    this.write(JSON.stringify({ type: 'res', id, ok: false, error }), false);
  }

  event(event: string, payload: unknown): void {
    this.write(JSON.stringify({ type: 'event', event, payload, seq: ++this.seq }), true);
  }

  /** Pre-handshake events carry no seq. */
  rawEvent(event: string, payload: unknown): void {
    this.write(JSON.stringify({ type: 'event', event, payload }), true);
  }

  close(code: number, reason = ''): void {
    if (this.closing) return;
    this.closing = true;
    try {
      this.ws.close(code, clampCloseReason(reason));
    } catch {
      this.ws.terminate();
    }
    if (this.ws.readyState === this.ws.CLOSED) return;
    // A peer that never completes the closing handshake must not hold the socket; one that does lets the
    // connection go at once (the timer would otherwise keep it, and everything it references, for 2 s).
    const stuck = setTimeout(() => this.ws.terminate(), 2000);
    stuck.unref();
    this.ws.once('close', () => clearTimeout(stuck));
  }
}
