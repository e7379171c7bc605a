// The HTTP edge, before any request or upgrade is judged: every socket has the handshake deadline (Node's own
// header timeout is checked only every 30 s), a request with more headers than we read is refused whole (never
// judged on a truncated list), and every plain HTTP path answers only to a local Host.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isLocalHostHeader } from './upgrade-guard';

/** Headers a request may carry. Node is told to keep one more, so "more than this" is always visible. */
export const MAX_HEADERS = 64;
export const MAX_HEADER_BYTES = 16 * 1024;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable',
};

/** Answer on a raw socket (upgrades, parse errors) and close it. */
export function refuse(socket: Duplex, status: number, reason: string): void {
  if (!socket.destroyed && socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
  }
  socket.destroy();
}

/** Node keeps at most MAX_HEADERS + 1 headers; seeing that many means the request had more than we accept. */
export function tooManyHeaders(req: IncomingMessage): boolean {
  return req.rawHeaders.length / 2 > MAX_HEADERS;
}

function countHeader(req: IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) n++;
  return n;
}

/** Why a plain HTTP request is refused before any path is served, or null. */
export function httpRefusal(req: IncomingMessage): { status: number; reason: string } | null {
  if (tooManyHeaders(req)) return { status: 431, reason: `more than ${MAX_HEADERS} headers` };
  if (countHeader(req, 'host') !== 1) return { status: 400, reason: 'exactly one Host header required' };
  // DNS rebinding: a page under another name must not read anything here, health checks included.
  if (!isLocalHostHeader(req.headers.host)) return { status: 403, reason: 'forbidden host' };
  return null;
}

const deadlines = new WeakMap<Socket, NodeJS.Timeout>();

function arm(socket: Socket, ms: number): void {
  clearTimeout(deadlines.get(socket));
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  deadlines.set(socket, timer);
}

function disarm(socket: Socket): void {
  clearTimeout(deadlines.get(socket));
  deadlines.delete(socket);
}

/**
 * Sizes the parser and gives every socket the deadline `deadlineMs()`: from the connection (or the end of the
 * previous response on a kept-alive socket) to complete request headers. An upgrade hands the socket to the
 * WebSocket handshake deadline; a request being answered is not cut off.
 */
export function guardHttpEdge(server: Server, deadlineMs: () => number): void {
  server.maxHeadersCount = MAX_HEADERS + 1;
  server.headersTimeout = Math.min(server.headersTimeout, 10_000);
  server.requestTimeout = 10_000;
  server.on('connection', (socket: Socket) => {
    arm(socket, deadlineMs());
    socket.once('close', () => disarm(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    disarm(socket);
    res.once('finish', () => { if (!socket.destroyed) arm(socket, deadlineMs()); });
  });
  server.on('upgrade', (req: IncomingMessage) => disarm(req.socket));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    refuse(socket, status, STATUS_TEXT[status]!.toLowerCase());
  });
}
