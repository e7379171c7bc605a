// app:// serves the bundled renderer only: traversal refused, CSP on every response.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { fake } from './fake-electron';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { createAppHandler, registerAppScheme, resolveInside, serveApp, contentSecurityPolicy } = await import('./protocol');

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-protocol-'));
const rendererDir = join(tmp, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Loopgate</title>');
writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(tmp, 'secret.txt'), 'TOP SECRET');
mkdirSync(join(tmp, 'renderer-evil'));
writeFileSync(join(tmp, 'renderer-evil', 'x.html'), 'evil');
after(() => rmSync(tmp, { recursive: true, force: true }));

const handler = createAppHandler(rendererDir, 'ws://127.0.0.1:18789');
/** A request exactly as written, without WHATWG dot-segment normalisation. */
const raw = (url: string, method = 'GET') => ({ url, method }) as Request;

test('registers app:// as a standard, secure scheme before ready', () => {
  registerAppScheme();
  const entry = fake.schemes.find((s) => (s as { scheme: string }).scheme === 'app') as { privileges: Record<string, boolean> };
  assert.ok(entry);
  assert.equal(entry.privileges.standard, true);
  assert.equal(entry.privileges.secure, true);
  assert.notEqual(entry.privileges.bypassCSP, true);
});

test('serves index.html with the CSP header (and for "/")', async () => {
  for (const url of ['app://loopgate/index.html', 'app://loopgate/']) {
    const res = await handler(new Request(url));
    assert.equal(res.status, 200, url);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await res.text(), '<!doctype html><title>Loopgate</title>');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /connect-src ws:\/\/127\.0\.0\.1:18789(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  }
});

test('serves assets with their type', async () => {
  const res = await handler(new Request('app://loopgate/assets/app.js'));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.ok(res.headers.get('content-security-policy'));
});

test('refuses path traversal in every spelling', async () => {
  const attempts = [
    'app://loopgate/..%2fsecret.txt',
    'app://loopgate/..%2F..%2F..%2Fetc%2Fpasswd',
    'app://loopgate/%2e%2e/secret.txt',
    'app://loopgate/assets/..%2f..%2fsecret.txt',
    'app://loopgate/..%5csecret.txt',
    'app://loopgate/../secret.txt',
    'app://loopgate/..%2frenderer-evil%2fx.html',
    'app://loopgate/%2fetc%2fpasswd',
    'app://loopgate/index.html%00.png',
    'app://loopgate/%E0%A4%A',
    'app://loopgate/C:%5cWindows%5cwin.ini',
  ];
  for (const url of attempts) {
    const res = await handler(raw(url));
    assert.equal(res.status, 404, url);
    assert.doesNotMatch(await res.text(), /SECRET|evil/, url);
  }
  assert.equal(resolveInside(rendererDir, '/../secret.txt'), null);
  assert.equal(resolveInside(rendererDir, '/..\\secret.txt'), null);
  assert.equal(resolveInside(rendererDir, '/assets/app.js'), join(rendererDir, 'assets', 'app.js'));
});

test('other hosts, missing files, folders and non-GET methods are refused', async () => {
  assert.equal((await handler(new Request('app://evil/index.html'))).status, 404);
  assert.equal((await handler(new Request('app://loopgate/missing.js'))).status, 404);
  assert.equal((await handler(new Request('app://loopgate/assets'))).status, 404);
  assert.equal((await handler(raw('app://loopgate/index.html', 'POST'))).status, 405);
  assert.equal((await handler(raw('https://loopgate/index.html'))).status, 404);
});

test('serveApp routes the app scheme to the handler', async () => {
  serveApp(rendererDir, 'ws://127.0.0.1:4242');
  const fn = fake.protocolHandlers.get('app');
  assert.ok(fn);
  const res = (await fn(new Request('app://loopgate/index.html'))) as Response;
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /connect-src ws:\/\/127\.0\.0\.1:4242/);
  assert.equal(contentSecurityPolicy('ws://127.0.0.1:1').includes("connect-src ws://127.0.0.1:1"), true);
});
