// The reference handshake table over real sockets: exact error code, detail code and close code for each row,
// and the gateway keeps serving other clients afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connectDevice, createIdentity, TestSocket } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';

let h: Harness;
before(async () => { h = await startHarness({ handshakeTimeoutMs: 300 }); });
after(async () => { await h.stop(); });

async function stillServing(): Promise<void> {
  const { socket, res } = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'] });
  assert.equal(res.ok, true, 'a healthy client still connects');
  assert.equal((await socket.call('health')).ok, true);
  socket.close();
}

function expectFailure(res: { ok?: boolean; error?: { code: string; message: string; details?: { code?: string } } }, code: string, message: string | RegExp, detail?: string) {
  assert.equal(res.ok, false);
  assert.equal(res.error!.code, code);
  if (typeof message === 'string') assert.equal(res.error!.message, message); else assert.match(res.error!.message, message);
  if (detail) assert.equal(res.error!.details?.code, detail);
}

describe('handshake failures', () => {
  test('first frame not a request: close 1008 "invalid request frame", no response', async () => {
    const s = await TestSocket.open(h.url);
    await s.event('connect.challenge');
    s.send({ type: 'event', event: 'hello' });
    const closed = await s.closed;
    assert.deepEqual(closed, { code: 1008, reason: 'invalid request frame' });
    assert.equal(s.frames.filter((f) => f.type === 'res').length, 0);
    await stillServing();
  });

  test('non-JSON first frame closes the socket (1000, as the reference does)', async () => {
    const s = await TestSocket.open(h.url);
    await s.event('connect.challenge');
    s.send('{not json');
    assert.equal((await s.closed).code, 1000);
    await stillServing();
  });

  test('first request not connect: INVALID_REQUEST with the same id, then 1008', async () => {
    const s = await TestSocket.open(h.url);
    await s.event('connect.challenge');
    const res = await s.request('health');
    expectFailure(res, 'INVALID_REQUEST', 'invalid handshake: first request must be connect');
    assert.deepEqual(await s.closed, { code: 1008, reason: 'invalid handshake: first request must be connect' });
  });

  test('connect params failing the schema name the missing property; close 1008 with the same text', async () => {
    const id = createIdentity();
    const { socket, res } = await connectDevice(h.url, id, { token: h.token, tamper: (p) => { delete (p.device as Record<string, unknown>).nonce; } });
    expectFailure(res, 'INVALID_REQUEST', /^invalid connect params: .*must have required property 'nonce'/);
    const closed = await socket.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /^invalid connect params/);
  });

  test('unknown client id and malformed device block are invalid connect params', async () => {
    const { socket, res } = await connectDevice(h.url, null, { token: h.token, tamper: (p) => {
      (p.client as Record<string, unknown>).id = 'bad-client';
      p.device = { id: 1, publicKey: 'x', signature: 'y', signedAt: 'now', nonce: 'n' };
    } });
    expectFailure(res, 'INVALID_REQUEST', /invalid connect params/);
    assert.equal((await socket.closed).code, 1008);
  });

  test('protocol range without 3 or 4: protocol mismatch and close 1002', async () => {
    const { socket, res } = await connectDevice(h.url, null, { token: h.token, minProtocol: 5, maxProtocol: 6 });
    expectFailure(res, 'INVALID_REQUEST', 'protocol mismatch');
    assert.deepEqual(await socket.closed, { code: 1002, reason: 'protocol mismatch' });
  });

  test('protocol 3 and 4 are negotiated to the highest both speak', async () => {
    for (const [min, max, want] of [[3, 3, 3], [3, 4, 4], [4, 4, 4], [1, 9, 4]] as const) {
      const { socket, res } = await connectDevice(h.url, null, { token: h.token, minProtocol: min, maxProtocol: max });
      assert.equal(res.ok, true);
      assert.equal(res.payload.protocol, want);
      assert.equal(res.payload.type, 'hello-ok');
      socket.close();
    }
  });

  test('invalid role', async () => {
    const { socket, res } = await connectDevice(h.url, null, { token: h.token, role: 'root' });
    expectFailure(res, 'INVALID_REQUEST', 'invalid role');
    assert.deepEqual(await socket.closed, { code: 1008, reason: 'invalid role' });
  });

  test('wrong or missing gateway token: unauthorized with the auth detail code', async () => {
    let r = await connectDevice(h.url, null, { token: 'wrong' });
    expectFailure(r.res, 'INVALID_REQUEST', /^unauthorized: gateway token mismatch/, 'AUTH_TOKEN_MISMATCH');
    assert.equal((await r.socket.closed).code, 1008);
    r = await connectDevice(h.url, null, {});
    expectFailure(r.res, 'INVALID_REQUEST', /^unauthorized: gateway token missing/, 'AUTH_TOKEN_MISSING');
    assert.equal((await r.socket.closed).code, 1008);
  });

  test('a node without a device identity: NOT_PAIRED device identity required', async () => {
    const { socket, res } = await connectDevice(h.url, null, { token: h.token, role: 'node', clientId: 'node-host', clientMode: 'node' });
    expectFailure(res, 'NOT_PAIRED', 'device identity required', 'DEVICE_IDENTITY_REQUIRED');
    assert.deepEqual(await socket.closed, { code: 1008, reason: 'device identity required' });
  });

  test('device id that does not match the key', async () => {
    const id = createIdentity();
    const other = createIdentity();
    const { socket, res } = await connectDevice(h.url, { ...id, deviceId: other.deviceId }, { token: h.token });
    expectFailure(res, 'INVALID_REQUEST', 'device identity mismatch', 'DEVICE_AUTH_DEVICE_ID_MISMATCH');
    assert.equal(res.error!.details.reason, 'device-id-mismatch');
    assert.equal((await socket.closed).code, 1008);
  });

  test('stale signedAt (3 minutes old)', async () => {
    const { socket, res } = await connectDevice(h.url, createIdentity(), { token: h.token, signedAt: Date.now() - 180_000 });
    expectFailure(res, 'INVALID_REQUEST', 'device signature expired', 'DEVICE_AUTH_SIGNATURE_EXPIRED');
    assert.equal((await socket.closed).code, 1008);
  });

  test('a signature over another connection\'s nonce is a nonce mismatch', async () => {
    const first = await TestSocket.open(h.url);
    const otherNonce = (await first.event('connect.challenge')).payload.nonce as string;
    first.close();
    const { socket, res } = await connectDevice(h.url, createIdentity(), { token: h.token, nonce: otherNonce });
    expectFailure(res, 'INVALID_REQUEST', 'device nonce mismatch', 'DEVICE_AUTH_NONCE_MISMATCH');
    assert.equal((await socket.closed).code, 1008);
  });

  test('blank nonce is nonce required', async () => {
    const { res } = await connectDevice(h.url, createIdentity(), { token: h.token, nonce: '   ' });
    expectFailure(res, 'INVALID_REQUEST', 'device nonce required', 'DEVICE_AUTH_NONCE_REQUIRED');
  });

  test('a signature over other scopes is invalid', async () => {
    const { socket, res } = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], tamper: (p) => { p.scopes = ['operator.admin']; } });
    expectFailure(res, 'INVALID_REQUEST', 'device signature invalid', 'DEVICE_AUTH_SIGNATURE_INVALID');
    assert.equal((await socket.closed).code, 1008);
  });

  test('an undecodable public key', async () => {
    const id = createIdentity();
    const { res } = await connectDevice(h.url, { ...id, publicKey: 'AAAA' }, { token: h.token });
    expectFailure(res, 'INVALID_REQUEST', 'device public key invalid', 'DEVICE_AUTH_PUBLIC_KEY_INVALID');
  });

  test('v2 signatures are accepted too', async () => {
    const { socket, res } = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], payloadVersion: 'v2' });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    socket.close();
  });

  test('a frame over 64 KiB before auth closes 1009', async () => {
    const s = await TestSocket.open(h.url);
    await s.event('connect.challenge');
    s.send({ type: 'req', id: 'x', method: 'connect', params: { pad: 'x'.repeat(70 * 1024) } });
    assert.deepEqual(await s.closed, { code: 1009, reason: 'preauth payload too large' });
    await stillServing();
  });

  test('no connect within the deadline: close 1000', async () => {
    const s = await TestSocket.open(h.url);
    await s.event('connect.challenge');
    assert.equal((await s.closed).code, 1000);
  });
});

describe('after the handshake', () => {
  test('a second connect, unknown methods, malformed frames and missing scopes get precise errors; the socket stays', async () => {
    const { socket, res } = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'] });
    assert.equal(res.ok, true);
    expectFailure(await socket.request('connect', {}), 'INVALID_REQUEST', 'connect is only valid as the first request');
    expectFailure(await socket.request('no.such.method'), 'INVALID_REQUEST', 'unknown method: no.such.method');
    expectFailure(await socket.request('loopgate.gateway.token.get'), 'INVALID_REQUEST', 'missing scope: operator.admin', );
    expectFailure(await socket.request('sessions.patch', { key: 'a' }), 'INVALID_REQUEST', 'missing scope: operator.admin');
    socket.send('{"type":"req","id":"bad"}');
    const bad = await socket.next((f) => f.type === 'res' && f.id === 'bad');
    expectFailure(bad, 'INVALID_REQUEST', /^invalid request frame: .*must have required property 'method'/);
    socket.send('garbage');
    const garbage = await socket.next((f) => f.type === 'res' && f.id === 'invalid');
    expectFailure(garbage, 'INVALID_REQUEST', /invalid request frame/);
    assert.equal((await socket.call('status')).ok, true);
    socket.close();

  });

  test('health needs no scope; status needs operator.read; write implies read', async () => {
    const bare = await connectDevice(h.url, null, { token: h.token, scopes: [] });
    assert.equal((await bare.socket.call('health')).ok, true);
    expectFailure(await bare.socket.request('status'), 'INVALID_REQUEST', 'missing scope: operator.read');
    bare.socket.close();
    const writer = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.write'] });
    assert.equal((await writer.socket.call('status')).ok, true);
    writer.socket.close();
  });

  test('hello-ok has both protocol forms of auth and the advertised policy', async () => {
    const v3 = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'], minProtocol: 3, maxProtocol: 3 });
    assert.equal(v3.res.payload.auth, undefined, 'protocol 3: auth only when a device token is issued');
    const v4 = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'], minProtocol: 4, maxProtocol: 4 });
    assert.deepEqual(v4.res.payload.auth, { method: 'token', role: 'operator', scopes: ['operator.read'] });
    assert.equal(v4.res.payload.policy.tickIntervalMs, 30_000);
    assert.equal(v4.res.payload.policy.maxPayload, 26_214_400, 'OpenClaw\'s limit: node results must fit');
    assert.ok(v4.res.payload.features.methods.includes('device.pair.list'));
    v3.socket.close();
    v4.socket.close();
  });

  test('a frame far over the preauth limit is cut off by the socket ceiling (1009), never buffered whole', async () => {
    const s = await TestSocket.open(h.url);
    await s.event('connect.challenge');
    s.send({ type: 'req', id: 'x', method: 'connect', params: { pad: 'x'.repeat(1024 * 1024) } });
    assert.equal((await s.closed).code, 1009);
    await stillServing();
  });
});

describe('the upgrade guard', () => {
  function upgradeStatus(headers: Record<string, string>, path = '/'): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(h.url + path, { headers });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.close(); });
      ws.on('error', () => {});
    });
  }

  test('foreign origins, null, look-alikes and other local ports get 403 before the upgrade', async () => {
    const port = h.gw.port;
    for (const origin of ['https://evil.test', 'null', `http://127.0.0.1:${port}.evil.test`, `http://127.0.0.1:${port}@evil.test`, 'http://localhost:5173', `http://127.0.0.1:${port}, https://evil.test`]) {
      assert.equal(await upgradeStatus({ Origin: origin }), 403, origin);
    }
    assert.equal(await upgradeStatus({ Origin: `http://127.0.0.1:${port}` }), 101, 'own origin');
    assert.equal(await upgradeStatus({ Origin: `http://127.0.0.1:${port}`, Host: `rebind.evil.test:${port}` }), 403, 'rebinding host');
    assert.equal(await upgradeStatus({}, '/other'), 404);
  });

  test('the dashboard files are refused to a foreign Host', async () => {
    const res = await fetch(`http://127.0.0.1:${h.gw.port}/healthz`);
    assert.equal(res.status, 200);
    const rebound = await new Promise<number>((resolve) => {
      import('node:http').then(({ request }) => {
        const r = request({ host: '127.0.0.1', port: h.gw.port, path: '/', headers: { Host: 'rebind.evil.test' } }, (res2) => { resolve(res2.statusCode ?? 0); res2.resume(); });
        r.end();
      });
    });
    assert.equal(rebound, 403);
  });
});
