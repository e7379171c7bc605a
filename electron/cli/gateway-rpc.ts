// A minimal protocol client for the CLI: connect with the gateway token, make calls, close.
import WebSocket from 'ws';
import { LOOPGATE_VERSION } from '../../shared/version';

interface Res {
  type: string;
  id?: string;
  ok?: boolean;
  payload?: unknown;
  error?: { code: string; message: string; details?: unknown };
  event?: string;
}

export class RpcError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

export class GatewayRpc {
  private waiting = new Map<string, (r: Res) => void>();
  private next = 1;

  private constructor(private ws: WebSocket) {}

  static async connect(url: string, token: string, timeoutMs = 10_000): Promise<GatewayRpc> {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const rpc = new GatewayRpc(ws);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: Error) => { clearTimeout(timer); reject(e); };
      ws.on('error', (e) => fail(new Error(`cannot reach the gateway at ${url}: ${(e as NodeJS.ErrnoException).code ?? e.message} (is \`loopgate gateway\` or the tray app running?)`)));
      ws.on('close', (code, reason) => fail(new Error(`gateway closed the connection (${code}${reason.length ? `: ${reason}` : ''})`)));
      ws.on('message', (data) => {
        let f: Res;
        try { f = JSON.parse(String(data)); } catch { return; }
        if (f.type === 'event' && f.event === 'connect.challenge') {
          ws.send(JSON.stringify({ type: 'req', id: 'connect', method: 'connect', params: {
            minProtocol: 3, maxProtocol: 4, client: { id: 'loopgate-cli', version: LOOPGATE_VERSION, platform: process.platform, mode: 'cli' },
            role: 'operator', scopes: ['operator.admin'], auth: { token },
          } }));
        } else if (f.type === 'res' && f.id === 'connect') {
          if (f.ok) { clearTimeout(timer); resolve(); } else fail(new RpcError(f.error!.code, f.error!.message, f.error!.details));
        } else if (f.type === 'res' && f.id) {
          rpc.waiting.get(f.id)?.(f);
          rpc.waiting.delete(f.id);
        }
      });
    });
    return rpc;
  }

  call<T = unknown>(method: string, params?: unknown): Promise<T> {
    const id = `c${this.next++}`;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => (r.ok ? resolve(r.payload as T) : reject(new RpcError(r.error!.code, r.error!.message, r.error!.details))));
      this.ws.send(JSON.stringify({ type: 'req', id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  close(): void {
    this.ws.removeAllListeners('close');
    this.ws.close(1000);
  }
}
