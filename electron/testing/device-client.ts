// A real WebSocket device client for tests and benchmarks: Ed25519 identity, signed connect, requests, events.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import WebSocket from 'ws';
import { buildPayloadV2, buildPayloadV3, bytesToBase64Url } from '../../shared/device-auth';

export interface DeviceIdentity {
  deviceId: string;
  publicKey: string;
  privateKey: KeyObject;
}

export function createIdentity(): DeviceIdentity {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return { deviceId: createHash('sha256').update(raw).digest('hex'), publicKey: bytesToBase64Url(raw), privateKey };
}

export interface ConnectOptions {
  role?: string;
  scopes?: string[];
  token?: string;
  deviceToken?: string;
  clientId?: string;
  clientMode?: string;
  platform?: string;
  deviceFamily?: string;
  displayName?: string;
  minProtocol?: number;
  maxProtocol?: number;
  /** Omit the device block (a device-less token client). */
  noDevice?: boolean;
  headers?: Record<string, string>;
  payloadVersion?: 'v2' | 'v3';
  /** Change the signed fields or the frame after signing (for adversarial tests). */
  tamper?: (params: Record<string, unknown>, challenge: { nonce: string; ts: number }) => void;
  signedAt?: number;
  nonce?: string;
}

export interface Frame {
  type: string;
  id?: string;
  ok?: boolean;
  payload?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  error?: { code: string; message: string; details?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  event?: string;
  seq?: number;
}

/** One socket: collects every frame, lets a test await responses, events and the close. */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let frame: Frame;
      try { frame = JSON.parse(String(data)); } catch { return; }
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.pred(frame) ? (w.resolve(frame), false) : true));
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => {});
  }

  static async open(url: string, headers?: Record<string, string>): Promise<TestSocket> {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const s = new TestSocket(ws);
    await Promise.race([once(ws, 'open'), once(ws, 'unexpected-response').then(([, res]) => { throw new Error(`HTTP ${(res as { statusCode: number }).statusCode}`); })]);
    return s;
  }

  next(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
      this.waiters.push({ pred, resolve: (f) => { clearTimeout(t); resolve(f); } });
    });
  }

  event(name: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === 'event' && f.event === name, timeoutMs);
  }

  send(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  async request(method: string, params?: unknown): Promise<Frame> {
    const id = `r${this.nextId++}`;
    this.send({ type: 'req', id, method, ...(params === undefined ? {} : { params }) });
    return this.next((f) => f.type === 'res' && f.id === id);
  }

  /** Request that must succeed; returns its payload. */
  async call(method: string, params?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await this.request(method, params);
    if (!res.ok) throw new Error(`${method}: ${res.error?.code} ${res.error?.message}`);
    return res.payload;
  }

  close(): void {
    this.ws.close();
  }
}

export interface ConnectResult {
  socket: TestSocket;
  res: Frame;
}

/** Open a socket, wait for the challenge, send a (signed) connect and return its response. */
export async function connectDevice(url: string, identity: DeviceIdentity | null, opts: ConnectOptions = {}): Promise<ConnectResult> {
  const socket = await TestSocket.open(url, opts.headers);
  const challenge = (await socket.event('connect.challenge')).payload as { nonce: string; ts: number };
  const role = opts.role ?? 'operator';
  const scopes = opts.scopes ?? [];
  const clientId = opts.clientId ?? 'test';
  const clientMode = opts.clientMode ?? 'test';
  const platform = opts.platform ?? 'linux';
  const auth: Record<string, string> = {};
  if (opts.token !== undefined) auth.token = opts.token;
  if (opts.deviceToken !== undefined) auth.deviceToken = opts.deviceToken;
  const params: Record<string, unknown> = {
    minProtocol: opts.minProtocol ?? 3,
    maxProtocol: opts.maxProtocol ?? 4,
    client: { id: clientId, version: '1.0.0', platform, mode: clientMode, ...(opts.deviceFamily ? { deviceFamily: opts.deviceFamily } : {}), ...(opts.displayName ? { displayName: opts.displayName } : {}) },
    role,
    scopes,
    auth,
  };
  if (identity && !opts.noDevice) {
    const signedAt = opts.signedAt ?? Date.now();
    const nonce = opts.nonce ?? challenge.nonce;
    const fields = { deviceId: identity.deviceId, clientId, clientMode, role, scopes, signedAtMs: signedAt, token: auth.token ?? auth.deviceToken ?? '', nonce, platform, deviceFamily: opts.deviceFamily ?? '' };
    const payload = opts.payloadVersion === 'v2' ? buildPayloadV2(fields) : buildPayloadV3(fields);
    const signature = bytesToBase64Url(sign(null, Buffer.from(payload, 'utf8'), identity.privateKey));
    params.device = { id: identity.deviceId, publicKey: identity.publicKey, signature, signedAt, nonce };
  }
  opts.tamper?.(params, challenge);
  const id = 'connect-1';
  socket.send({ type: 'req', id, method: 'connect', params });
  const res = await socket.next((f) => f.type === 'res' && f.id === id);
  return { socket, res };
}
