// Decides, before the WebSocket upgrade, whether a request may proceed and how local it is.
// Browsers are told apart by Origin (they always send one and cannot forge it); DNS rebinding by Host.
import type { IncomingMessage } from 'node:http';

export type TransportLocality = 'local' | 'browser' | 'remote';

export interface UpgradeVerdict {
  ok: true;
  /** What the transport alone says; a connect must still prove a credential to count as local. */
  locality: TransportLocality;
  peer: string;
  origin?: string;
  hostLocal: boolean;
  proxied: boolean;
}

export interface UpgradeRefusal {
  ok: false;
  status: 400 | 403 | 404;
  reason: string;
}

const PROXY_HEADERS = [
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-server',
  'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-cluster-client-ip', 'via',
  'x-original-forwarded-for', 'forwarded-for', 'client-ip', 'x-host', 'x-proxyuser-ip', 'x-envoy-external-address',
  'cf-connecting-ipv6', 'x-azure-clientip', 'x-azure-socketip', 'x-appengine-user-ip', 'fly-client-ip', 'x-remote-addr',
];

/**
 * Any forwarding header at all: the known names, every X-Forwarded-* / X-Original-* / Forwarded* variant, and
 * anything named like a client address (*-ip, *-ipv6, *-addr, *-clientip). Erring here only makes a client remote.
 */
export function isProxyHeader(name: string): boolean {
  const n = name.toLowerCase();
  return PROXY_HEADERS.includes(n) || n.startsWith('x-forwarded') || n.startsWith('x-original-') || n.startsWith('forwarded')
    || /(^|-)(ip|ipv6|addr|clientip|socketip)$/.test(n);
}

/** 127.0.0.0/8, ::1 and v4-mapped loopback, whatever form the socket reports. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Host is exactly localhost, 127.0.0.1 or [::1], with any port and nothing else (no trailing dot, no 0.0.0.0). */
export function isLocalHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$/i.exec(host.trim());
  return !!m && (m[2] === undefined || Number(m[2]) <= 65535);
}

function headerCount(req: IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) n++;
  return n;
}

export interface GuardOptions {
  /** Exact browser origins allowed (the gateway's own http origins and the Electron app origin). */
  allowedOrigins: ReadonlySet<string>;
}

export function checkUpgrade(req: IncomingMessage, opts: GuardOptions): UpgradeVerdict | UpgradeRefusal {
  if (headerCount(req, 'host') > 1) return { ok: false, status: 400, reason: 'duplicate Host header' };
  if (headerCount(req, 'origin') > 1) return { ok: false, status: 403, reason: 'duplicate Origin header' };
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/' && path !== '/ws') return { ok: false, status: 404, reason: 'no WebSocket endpoint here' };
  const peer = normalizeAddress(req.socket.remoteAddress);
  const hostLocal = isLocalHostHeader(req.headers.host);
  const proxied = Object.keys(req.headers).some(isProxyHeader);
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // A browser page: only our own window's origin, matched exactly, and only on a local Host (DNS rebinding).
    if (!opts.allowedOrigins.has(origin) || !hostLocal) return { ok: false, status: 403, reason: 'origin not allowed' };
    return { ok: true, locality: 'browser', peer, origin, hostLocal, proxied };
  }
  const local = isLoopbackAddress(req.socket.remoteAddress) && hostLocal && !proxied;
  return { ok: true, locality: local ? 'local' : 'remote', peer, hostLocal, proxied };
}

/** The http origins a page served by this gateway has. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
}
