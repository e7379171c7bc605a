// Serves the built dashboard to a local Host only, with the headers a security tool's page should carry.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { isLocalHostHeader } from './upgrade-guard';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

export function dashboardCsp(port: number): string {
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    // Chromium rejects a bracketed IPv6 host in CSP sources, so [::1] is left out (the page uses 127.0.0.1).
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

export function serveStatic(req: IncomingMessage, res: ServerResponse, root: string | undefined, port: number): void {
  const headers = {
    'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer',
    'content-security-policy': dashboardCsp(port), 'cross-origin-opener-policy': 'same-origin',
  };
  // DNS rebinding: a page under another name must not even read our files.
  if (!isLocalHostHeader(req.headers.host)) {
    res.writeHead(403, { ...headers, 'content-type': 'text/plain' }).end('forbidden host');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
    return;
  }
  if (!root) {
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('the dashboard is not built (run npm run build)');
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent((req.url ?? '/').split('?')[0]!.split('#')[0]!);
  } catch {
    res.writeHead(400, headers).end();
    return;
  }
  if (path === '/' || path === '') path = '/index.html';
  const file = normalize(join(root, path));
  if (!file.startsWith(normalize(root) + sep)) {
    res.writeHead(404, headers).end();
    return;
  }
  readFile(file).then(
    (body) => {
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const cache = file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable';
      res.writeHead(200, { ...headers, 'content-type': type, 'cache-control': cache, 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    () => res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found'),
  );
}
