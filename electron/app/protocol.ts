// app://loopgate/… serves the bundled renderer and nothing else (checklist #18: no file://).
// Paths are resolved inside rendererDir; anything that escapes it, or any other host, is a 404.
import { protocol } from 'electron';
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './app-origin';

/** Must run before app 'ready': a standard, secure scheme gets a real origin, fetch and module scripts. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

/**
 * The window's Content-Security-Policy (checklist #7): only our own scripts and styles, and the one
 * gateway socket it may open (the renderer is a gateway client; spec §6).
 */
export function contentSecurityPolicy(gatewayUrl: string): string {
  const ws = new URL(gatewayUrl);
  // ws://127.0.0.1:PORT only; a CSP source needs the exact scheme, host and port.
  const socket = `${ws.protocol}//${ws.host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${socket}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "worker-src 'none'",
  ].join('; ');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** The file inside rootDir that an app:// pathname names, or null when it would leave rootDir. */
export function resolveInside(rootDir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed %-escape
  }
  if (decoded.includes('\0')) return null;
  // Both separators count: "..\\" must not slip through on Windows.
  const parts = decoded.split(/[\\/]+/).filter(Boolean);
  if (parts.some((p) => p === '..' || p === '.')) return null;
  const rel = parts.length === 0 ? 'index.html' : parts.join(sep);
  if (isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) return null; // drive letters, UNC
  const root = resolve(rootDir);
  const file = resolve(join(root, rel));
  const back = relative(root, file);
  if (back === '' || back.startsWith('..') || isAbsolute(back)) return null;
  return file;
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
}

export type AppRequestHandler = (request: Request) => Promise<Response>;

/** The protocol.handle() handler: GET/HEAD of bundled files, each with the CSP header. */
export function createAppHandler(rendererDir: string, gatewayUrl: string): AppRequestHandler {
  const csp = contentSecurityPolicy(gatewayUrl);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return notFound();
    const file = resolveInside(rendererDir, url.pathname);
    if (!file) return notFound();
    try {
      const info = await stat(file);
      if (!info.isFile()) return notFound();
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Security-Policy': csp,
          'X-Content-Type-Options': 'nosniff',
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': 'no-cache',
        },
      });
    } catch {
      return notFound();
    }
  };
}

/** After 'ready': route app:// to the handler. */
export function serveApp(rendererDir: string, gatewayUrl: string): void {
  protocol.handle(APP_SCHEME, createAppHandler(rendererDir, gatewayUrl));
}
