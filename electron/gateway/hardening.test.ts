// Adversarial cases from the threat model that are not about pairing itself: budgets, floods, malformed
// upgrades, the store failing closed, pause, ticks.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, writeFile, readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { connectDevice, createIdentity, TestSocket } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';

let h: Harness | undefined;
afterEach(async () => { await h?.stop(); h = undefined; });

/** Raw HTTP exchange: returns the status line the server sends (or '' if it just closes). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += String(d); });
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    s.write(text);
  });
}

describe('pre-auth budget and malformed upgrades', () => {
  test('the 33rd unauthenticated socket from one address gets 503; it frees up when one closes', async () => {
    h = await startHarness();
    const held: TestSocket[] = [];
    for (let i = 0; i < 32; i++) held.push(await TestSocket.open(h.url));
    await assert.rejects(TestSocket.open(h.url), /HTTP 503/);
    held[0]!.close();
    await held[0]!.closed;
    // The slot frees when the server sees its side of the socket close, a moment after ours: try a few times.
    let again: TestSocket | undefined;
    for (let i = 0; i < 50 && !again; i++) again = await TestSocket.open(h.url).catch(() => new Promise<undefined>((r) => setImmediate(() => r(undefined))));
    assert.ok(again, 'a slot is free again after a close');
    again.close();
    for (const s of held.slice(1)) s.close();
    await Promise.all(held.map((s) => s.closed));
  });

  test('authenticated sockets hold no pre-auth slot', async () => {
    h = await startHarness();
    const authed = [];
    for (let i = 0; i < 40; i++) {
      const r = await connectDevice(h.url, null, { token: h.token });
      assert.equal(r.res.ok, true, `connection ${i}`);
      authed.push(r.socket);
    }
    for (const s of authed) s.close();
  });

  test('upgrades without a valid key or version, or with thousands of headers, are refused and closed', async () => {
    h = await startHarness();
    const port = h.gw.port;
    const base = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`;
    assert.match(await rawRequest(port, `${base}Sec-WebSocket-Version: 13\r\n\r\n`), /^HTTP\/1\.1 400/);
    assert.match(await rawRequest(port, `${base}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n`), /^HTTP\/1\.1 (400|426)/);
    const many = Array.from({ length: 2500 }, (_, i) => `X-H${i}: v`).join('\r\n');
    assert.match(await rawRequest(port, `${base}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${many}\r\n\r\n`), /^HTTP\/1\.1 (400|431)|^$/);
    const ok = await connectDevice(h.url, null, { token: h.token });
    assert.equal(ok.res.ok, true, 'still serving');
    ok.socket.close();
  });

  test('permessage-deflate is never negotiated', async () => {
    h = await startHarness();
    const ws = new WebSocket(h.url, { perMessageDeflate: true });
    await once(ws, 'open');
    assert.equal(ws.extensions, '');
    ws.close();
  });
});

describe('abuse after the handshake', () => {
  test('more than 10 calls the role may not make close the socket with 1008', async () => {
    h = await startHarness();
    const id = createIdentity();
    // A local node pairs silently as a new device, then calls operator methods.
    const node = await connectDevice(h.url, id, { token: h.token, role: 'node', clientId: 'node-host', clientMode: 'node' });
    assert.equal(node.res.ok, true, JSON.stringify(node.res.error));
    for (let i = 0; i < 11; i++) node.socket.send({ type: 'req', id: `x${i}`, method: 'status' });
    assert.deepEqual(await node.socket.closed, { code: 1008, reason: 'repeated unauthorized calls' });
    const first = node.socket.frames.find((f) => f.id === 'x0');
    assert.equal(first?.error?.message, 'unauthorized role: node');
  });

  test('a browser page of our own origin is throttled after repeated bad credentials, even on loopback', async () => {
    h = await startHarness();
    const origin = `http://127.0.0.1:${h.gw.port}`;
    for (let i = 0; i < 10; i++) {
      const r = await connectDevice(h.url, null, { token: 'wrong', headers: { Origin: origin } });
      assert.equal(r.res.error?.details.code, 'AUTH_TOKEN_MISMATCH');
    }
    const locked = await connectDevice(h.url, null, { token: 'wrong-again', headers: { Origin: origin } });
    assert.equal(locked.res.error?.details.code, 'AUTH_RATE_LIMITED');
    // The lock stops guessing; it never refuses a valid credential (issue 7).
    const valid = await connectDevice(h.url, null, { token: h.token, headers: { Origin: origin } });
    assert.equal(valid.res.ok, true);
    valid.socket.close();
    // A plain local process is not locked out by the page's failures.
    const local = await connectDevice(h.url, null, { token: h.token });
    assert.equal(local.res.ok, true);
    local.socket.close();
  });

  test('client-declared identity changes nothing: a non-browser "control UI" gets the same decision as any client', async () => {
    h = await startHarness();
    const ui = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], clientId: 'openclaw-control-ui', clientMode: 'webchat', headers: { Host: 'gateway.example' } });
    assert.equal(ui.res.error?.details.reason, 'not-paired');
    const local = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'], clientId: 'openclaw-control-ui', clientMode: 'webchat' });
    assert.equal(local.res.ok, true, 'local and credentialed: silent, exactly like any other local client');
    local.socket.close();
  });

  test('a removed device coming back with its old token gets a fresh request, not its pairing back', async () => {
    h = await startHarness();
    const id = createIdentity();
    const first = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'] });
    const token = first.res.payload.auth.deviceToken as string;
    first.socket.close();
    await h.gw.pairing.remove(id.deviceId, { kind: 'owner', label: 'test' });
    const back = await connectDevice(h.url, id, { deviceToken: token, scopes: ['operator.read'] });
    assert.equal(back.res.error?.code, 'NOT_PAIRED');
    assert.equal(back.res.error?.details.reason, 'not-paired');
    assert.equal(h.gw.pending().length, 1, 'an explicit request: the old token is not proof of anything');
  });
});

describe('durability and control', () => {
  test('a corrupt store is quarantined and device connects fail closed; the owner still sees why', async () => {
    const home = await mkdtemp(join(tmpdir(), 'loopgate-corrupt-'));
    await writeFile(join(home, 'pairing.json'), '{"version":2,"generation":3,"devices":{"ab', { mode: 0o600 });
    h = await startHarness({}, home);
    const r = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'] });
    assert.equal(r.res.error?.code, 'UNAVAILABLE');
    assert.equal(r.res.error?.details.code, 'STORE_UNAVAILABLE');
    assert.equal((await r.socket.closed).code, 1008);
    const owner = await connectDevice(h.url, null, { token: h.token, scopes: ['operator.pairing'] });
    const list = await owner.socket.call('device.pair.list', {});
    assert.equal(list.store.ok, false);
    assert.match(list.store.quarantinedTo, /pairing\.json\.corrupt-/);
    owner.socket.close();
    const names = await readdir(home);
    assert.ok(names.some((n) => n.startsWith('pairing.json.corrupt-')));
    assert.equal(names.includes('pairing.json'), false, 'nothing was written over the approvals');
  });

  test('pause refuses new requests and silent pairing alike; resume restores both', async () => {
    h = await startHarness();
    await h.gw.setPairingPaused(true);
    const paused = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'] });
    assert.equal(paused.res.error?.details.code, 'PAIRING_PAUSED');
    assert.equal(h.gw.pending().length, 0);
    await h.gw.setPairingPaused(false);
    const ok = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'] });
    assert.equal(ok.res.ok, true);
    ok.socket.close();
  });

  test('ticks reach authenticated clients; shutdown is announced', async () => {
    h = await startHarness({ tickIntervalMs: 50 });
    const { socket } = await connectDevice(h.url, null, { token: h.token });
    const tick = await socket.event('tick');
    assert.equal(typeof tick.payload.ts, 'number');
    const stopping = h.stop();
    h = undefined;
    await socket.event('shutdown');
    assert.equal((await socket.closed).code, 1001);
    await stopping;
  });
});
