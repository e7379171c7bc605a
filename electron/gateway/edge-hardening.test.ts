// Input at the edges (issue 7), over raw TCP and real WebSockets: headers cannot be hidden by volume, every
// socket meets the handshake deadline, every HTTP path checks the Host, and rate limits follow the gateway's
// judgement of locality without ever refusing a valid credential.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { connectDevice, createIdentity } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { MAX_HEADERS } from './http-edge';

let h: Harness | undefined;
afterEach(async () => { await h?.stop(); h = undefined; });

interface RawResult { status: string; body: string; closedAfterMs: number }

/** Open a raw TCP socket, let `drive` write to it, and report the status line and when the server closed it. */
function raw(port: number, drive: (s: Socket) => void): Promise<RawResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += String(d); });
    const done = () => resolve({ status: got.split('\r\n')[0] ?? '', body: got.split('\r\n\r\n').slice(1).join('\r\n\r\n'), closedAfterMs: Date.now() - started });
    s.on('close', done);
    s.on('error', () => {});
    s.on('connect', () => drive(s));
  });
}

const padding = (n: number) => Array.from({ length: n }, (_, i) => `X-Pad-${i}: v\r\n`).join('');
const upgradeHead = (port: number) => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n`;

describe('headers cannot be hidden by volume', () => {
  test('more headers than the gateway reads: 431 for upgrades and plain requests, at every count past the limit', async () => {
    h = await startHarness();
    const port = h.gw.port;
    // The upgrade head has 5 headers; the proxy header comes last, where a truncated list would drop it.
    for (const extra of [MAX_HEADERS - 5, MAX_HEADERS, 70, 200, 1000]) {
      const r = await raw(port, (s) => s.end(`${upgradeHead(port)}${padding(extra)}X-Forwarded-For: 203.0.113.9\r\n\r\n`));
      assert.match(r.status, /^HTTP\/1\.1 431/, `upgrade with ${extra} padding headers`);
      const g = await raw(port, (s) => s.end(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${padding(extra + 5)}\r\n`));
      assert.match(g.status, /^HTTP\/1\.1 431/, `GET with ${extra} padding headers`);
    }
    // At the limit exactly, the request is read whole and judged on every header.
    const atLimit = await raw(port, (s) => s.end(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${padding(MAX_HEADERS - 2)}\r\n`));
    assert.match(atLimit.status, /^HTTP\/1\.1 200/);
  });

  test('a padded connect that fits is judged on every header: any proxy header name makes it remote', async () => {
    h = await startHarness();
    const names = ['X-Forwarded-For', 'Forwarded', 'X-Real-IP', 'True-Client-IP', 'CF-Connecting-IP', 'Via', 'Client-IP', 'X-Originating-IP', 'X-Envoy-External-Address', 'X-Forwarded-Host'];
    for (const name of names) {
      const headers: Record<string, string> = {};
      for (let i = 0; i < 50; i++) headers[`X-Pad-${i}`] = 'v';
      headers[name] = name === 'Forwarded' ? 'for=203.0.113.9' : '203.0.113.9';
      const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], headers });
      assert.equal(r.res.ok, false, `${name}: never silent`);
      assert.equal(r.res.error!.details.reason, 'not-paired');
      r.socket.close();
    }
    assert.ok(h.gw.pending().every((p) => p.locality === 'remote'));
  });
});

describe('the handshake deadline holds for every socket', () => {
  test('slow headers, a silent socket and a silent kept-alive socket are all closed at the deadline', async () => {
    h = await startHarness({ handshakeTimeoutMs: 300 });
    const port = h.gw.port;
    const slow = (s: Socket) => {
      s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      const t = setInterval(() => { if (!s.destroyed) s.write('X-A: b\r\n'); else clearInterval(t); }, 50);
      s.on('close', () => clearInterval(t));
    };
    const slowUpgrade = (s: Socket) => {
      s.write('GET / HTTP/1.1\r\n');
      let i = 0;
      const t = setInterval(() => { if (!s.destroyed) s.write(`X-Slow-${i++}: b\r\n`); else clearInterval(t); }, 100);
      s.on('close', () => clearInterval(t));
    };
    const keptAlive = (s: Socket) => {
      s.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      // After the answer, a second request trickles in byte by byte.
      s.once('data', () => {
        const text = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
        let i = 0;
        const t = setInterval(() => { if (!s.destroyed && i < text.length) s.write(text[i++]!); else clearInterval(t); }, 60);
        s.on('close', () => clearInterval(t));
      });
    };
    for (const [what, drive] of [['slow HTTP headers', slow], ['slow upgrade headers', slowUpgrade], ['silent socket', () => {}], ['kept-alive then slow', keptAlive]] as const) {
      const r = await raw(port, drive);
      assert.ok(r.closedAfterMs >= 250 && r.closedAfterMs < 2000, `${what}: closed after ${r.closedAfterMs} ms`);
    }
    // A socket that upgraded and then says nothing meets the same deadline.
    const r = await raw(port, (s) => s.write(`${upgradeHead(port)}\r\n`));
    assert.match(r.status, /^HTTP\/1\.1 101/);
    assert.ok(r.closedAfterMs < 4000, `upgraded and silent: ${r.closedAfterMs} ms`);
  });
});

describe('every HTTP path checks the Host', () => {
  test('foreign Hosts get 403 on /healthz, the dashboard and unknown paths; a local Host is served', async () => {
    h = await startHarness();
    const port = h.gw.port;
    const foreign = ['evil.example', `evil.example:${port}`, `0.0.0.0:${port}`, `localhost.:${port}`, `127.1:${port}`, `[::ffff:127.0.0.1]:${port}`, `2130706433:${port}`];
    for (const host of foreign) {
      for (const path of ['/healthz', '/', '/index.html', '/assets/x.js', '/nothing', '/ws']) {
        const r = await raw(port, (s) => s.end(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
        assert.match(r.status, /^HTTP\/1\.1 403/, `${host} ${path}`);
        assert.doesNotMatch(r.body, /version/);
      }
    }
    const none = await raw(port, (s) => s.end('GET /healthz HTTP/1.0\r\n\r\n'));
    assert.match(none.status, /^HTTP\/1\.[01] 400/, 'no Host at all');
    const two = await raw(port, (s) => s.end(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`));
    assert.match(two.status, /^HTTP\/1\.1 400/, 'two Hosts');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const ok = await raw(port, (s) => s.end(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
      assert.match(ok.status, /^HTTP\/1\.1 200/, host);
    }
  });
});

describe('rate limits follow locality and never refuse a valid credential', () => {
  test('a loopback client judged remote (proxy header or foreign Host) is throttled; local clients are not', async () => {
    h = await startHarness();
    for (const headers of [{ 'X-Forwarded-For': '203.0.113.9' }, { Host: 'gateway.example' }, { 'X-Real-IP': '198.51.100.2' }] as Array<Record<string, string>>) {
      await h.stop();
      h = await startHarness();
      for (let i = 0; i < 10; i++) {
        const r = await connectDevice(h.url, null, { token: `wrong-${i}`, headers });
        assert.equal(r.res.error?.details.code, 'AUTH_TOKEN_MISMATCH', JSON.stringify(headers));
      }
      const locked = await connectDevice(h.url, null, { token: 'wrong-again', headers });
      assert.equal(locked.res.error?.details.code, 'AUTH_RATE_LIMITED', JSON.stringify(headers));
      assert.ok(locked.res.error!.details.retryAfterMs > 0);
      const valid = await connectDevice(h.url, null, { token: h.token, headers });
      assert.equal(valid.res.ok, true, 'the valid token still passes');
      valid.socket.close();
      const local = await connectDevice(h.url, null, { token: 'wrong-local' });
      assert.equal(local.res.error?.details.code, 'AUTH_TOKEN_MISMATCH', 'a local client is not caught by the remote lock');
    }
  });

  test('failures under a forged Origin do not lock out the owner\'s one-time link or a session', async () => {
    h = await startHarness();
    const origins = [`http://127.0.0.1:${h.gw.port}`, `http://localhost:${h.gw.port}`];
    for (const origin of origins) {
      for (let i = 0; i < 12; i++) await connectDevice(h.url, null, { token: `guess-${i}`, headers: { Origin: origin } });
      const locked = await connectDevice(h.url, null, { token: 'guess', headers: { Origin: origin } });
      assert.equal(locked.res.error?.details.code, 'AUTH_RATE_LIMITED');
      const link = await connectDevice(h.url, null, { token: h.gw.issueOwnerCredential(), headers: { Origin: origin } });
      assert.equal(link.res.ok, true, `the owner's link through ${origin}`);
      const session = link.res.payload.auth.ownerSession as string;
      const again = await connectDevice(h.url, null, { token: session, headers: { Origin: origin } });
      assert.equal(again.res.ok, true, 'and the session it became');
      const stillLocked = await connectDevice(h.url, null, { token: 'guess', headers: { Origin: origin } });
      assert.equal(stillLocked.res.error?.details.code, 'AUTH_RATE_LIMITED', 'the owner\'s success did not lift the lock for guessers');
      link.socket.close();
      again.socket.close();
    }
  });
});
