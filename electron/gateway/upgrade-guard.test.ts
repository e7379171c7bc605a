import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { checkUpgrade, isLocalHostHeader, isLoopbackAddress } from './upgrade-guard';

function req(headers: Record<string, string>, remoteAddress = '127.0.0.1', url = '/'): IncomingMessage {
  const raw = Object.entries(headers).flat();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { headers: lower, rawHeaders: raw, url, socket: { remoteAddress } } as unknown as IncomingMessage;
}
const opts = { allowedOrigins: new Set(['http://127.0.0.1:18789', 'app://loopgate']) };

test('loopback addresses in every form; nothing else', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '128.0.0.1', undefined]) assert.equal(isLoopbackAddress(a), false, String(a));
});

test('local Host is exactly localhost, 127.0.0.1 or [::1], any port', () => {
  for (const h of ['localhost', 'localhost:18789', '127.0.0.1:1', '[::1]:18789', 'LOCALHOST:5']) assert.equal(isLocalHostHeader(h), true, h);
  for (const h of ['0.0.0.0:18789', 'localhost.:18789', '127.1:18789', '2130706433:18789', '[::ffff:127.0.0.1]:1', 'gateway.example', 'localhost:99999', '']) {
    assert.equal(isLocalHostHeader(h), false, h);
  }
});

test('locality: local only with a loopback peer, a local Host and no proxy header of any kind', () => {
  assert.equal((checkUpgrade(req({ Host: '127.0.0.1:18789' }), opts) as { locality: string }).locality, 'local');
  assert.equal((checkUpgrade(req({ Host: 'gateway.example' }), opts) as { locality: string }).locality, 'remote');
  assert.equal((checkUpgrade(req({ Host: '127.0.0.1:18789' }, '10.1.2.3'), opts) as { locality: string }).locality, 'remote');
  for (const h of ['Forwarded', 'X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Prefix', 'X-Forwarded', 'X-Original-Host', 'X-Real-IP', 'Via', 'CF-Connecting-IP', 'True-Client-IP']) {
    assert.equal((checkUpgrade(req({ Host: '127.0.0.1:18789', [h]: '203.0.113.9' }), opts) as { locality: string }).locality, 'remote', h);
  }
});

test('browser origins: exact allowlist match on a local Host, else 403; duplicates refused', () => {
  assert.deepEqual(checkUpgrade(req({ Host: '127.0.0.1:18789', Origin: 'https://evil.test' }), opts), { ok: false, status: 403, reason: 'origin not allowed' });
  const app = checkUpgrade(req({ Host: '127.0.0.1:18789', Origin: 'app://loopgate' }), opts);
  assert.equal(app.ok && app.locality, 'browser');
  assert.equal(checkUpgrade(req({ Host: 'evil.test:18789', Origin: 'http://127.0.0.1:18789' }), opts).ok, false);
  const dupHost = req({ Host: '127.0.0.1:18789' });
  dupHost.rawHeaders.push('Host', 'evil.test');
  assert.deepEqual(checkUpgrade(dupHost, opts), { ok: false, status: 400, reason: 'duplicate Host header' });
  assert.equal((checkUpgrade(req({ Host: '127.0.0.1:1' }, '127.0.0.1', '/elsewhere'), opts) as { status: number }).status, 404);
});
