// How large a frame may be, per socket. ws applies one maxPayload to every socket of a server and closes with 1009
// when a frame goes over it, so the gateway sets each socket's ceiling itself: small before auth (nothing
// unauthenticated makes us buffer much), and after auth a little above the advertised maxPayload, so a frame
// between the two is answered with an error instead of losing the connection (a node whose screenshot is too
// large stays connected; only that call fails). Frames above the socket ceiling still close 1009.
import type { RawData, WebSocket } from 'ws';
import type { Connection } from './connection';
import type { NodeInvocations } from './methods/nodes';
import { ErrorCode, GatewayError } from '../../shared/errors';
import { MAX_PREAUTH_PAYLOAD_BYTES } from '../../shared/frames';

/** Before auth: our own check closes frames over 64 KiB with a reason; ws cuts off anything far larger. */
export const PREAUTH_SOCKET_CEILING = 2 * MAX_PREAUTH_PAYLOAD_BYTES;

/** After auth: twice the advertised limit, so an oversized result can be refused in words (bounded memory). */
export function socketCeiling(maxPayload: number): number {
  return maxPayload * 2;
}

/**
 * Set one socket's frame ceiling. ws keeps it in its receiver (`_maxPayload`, read on every frame header); ws is
 * pinned to an exact version, and this throws rather than silently doing nothing if that field ever moves.
 */
export function setSocketFrameCeiling(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (!receiver || typeof receiver._maxPayload !== 'number') throw new Error('ws internals changed: cannot set a per-socket frame limit');
  receiver._maxPayload = bytes;
}

export function tooLargeError(what: string, size: number, limit: number): GatewayError {
  return new GatewayError(ErrorCode.INVALID_REQUEST, `${what} exceeds maxPayload (${size} bytes > ${limit} bytes)`, { size, maxPayload: limit });
}

/** What an oversized frame asked for, as far as it can be read: its request id, method and (for results) the invoke id. */
export function describeOversized(text: string): { id?: string; method?: string; invokeId?: string } {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof frame !== 'object' || frame === null) return {};
  const f = frame as { id?: unknown; method?: unknown; params?: { id?: unknown } };
  return {
    ...(typeof f.id === 'string' && f.id ? { id: f.id } : {}),
    ...(typeof f.method === 'string' ? { method: f.method } : {}),
    ...(typeof f.params?.id === 'string' ? { invokeId: f.params.id } : {}),
  };
}

/** Over this connection's maxPayload but under its socket ceiling: refuse the request (and a result fails its call), keep the connection. */
export function refuseOversized(conn: Connection, data: RawData, size: number, invocations: NodeInvocations): void {
  const seen = describeOversized(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
  if (seen.method === 'node.invoke.result' && seen.invokeId && conn.identity?.role === 'node') {
    invocations.failTooLarge(conn, seen.invokeId, tooLargeError('node.invoke result', size, conn.maxPayload));
  }
  conn.fail(seen.id ?? 'invalid', tooLargeError(seen.method ? `${seen.method} frame` : 'frame', size, conn.maxPayload).shape);
}
