import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingRequests, type PendingInput } from './pending-requests';

const input = (deviceId: string, o: Partial<PendingInput> = {}): PendingInput => ({
  deviceId, publicKey: `key-${deviceId}`, fingerprint: 'SHA256:x', role: 'operator', roles: ['operator'], scopes: ['operator.read'],
  isRepair: false, reason: 'not-paired', locality: 'remote', sourceAddress: '10.0.0.1', heldRoles: [], heldScopes: [], grant: { roles: ['operator'], scopes: ['operator.read'] }, ...o,
});
const limits = { ttlMs: 60_000, cooldownMs: 1_000, maxTotal: 3, maxPerAddress: 2 };

test('one request per device: same ask keeps the id, a changed ask replaces it', () => {
  const p = new PendingRequests(limits, () => {});
  const a = p.upsert(input('d1'));
  assert.equal(a.kind, 'created');
  const b = p.upsert(input('d1'));
  assert.equal(b.kind, 'same');
  assert.equal(b.kind === 'same' && b.request.requestId, a.kind === 'created' && a.request.requestId);
  const c = p.upsert(input('d1', { scopes: ['operator.admin'] }));
  assert.equal(c.kind, 'created');
  assert.equal(c.kind === 'created' && c.superseded?.requestId, a.kind === 'created' && a.request.requestId);
  assert.equal(p.size, 1);
  assert.equal(p.get(a.kind === 'created' ? a.request.requestId : ''), undefined);
  p.clear();
});

test('caps overall and per source address; replacement does not count twice', () => {
  const p = new PendingRequests(limits, () => {});
  assert.equal(p.upsert(input('a')).kind, 'created');
  assert.equal(p.upsert(input('b')).kind, 'created');
  const third = p.upsert(input('c'));
  assert.equal(third.kind, 'limited');
  assert.match(third.kind === 'limited' ? third.message : '', /from 10\.0\.0\.1/);
  assert.equal(p.upsert(input('c', { sourceAddress: '10.0.0.2' })).kind, 'created');
  assert.equal(p.upsert(input('d', { sourceAddress: '10.0.0.3' })).kind, 'limited');
  assert.equal(p.upsert(input('a', { scopes: ['operator.write'] })).kind, 'created', 'a replacement fits');
  p.clear();
});

test('cooldown after a denial runs on the monotonic clock, then requests are accepted again', () => {
  let now = 1000;
  let wall = 5_000_000;
  const p = new PendingRequests(limits, () => {}, () => wall, () => now);
  p.startCooldown('d1');
  wall += 86_400_000; // the wall clock jumps a day ahead: the cooldown is not over
  assert.equal(p.upsert(input('d1')).kind, 'cooldown');
  wall -= 2 * 86_400_000;
  const r = p.upsert(input('d1'));
  assert.equal(r.kind, 'cooldown');
  now += 1001;
  assert.equal(p.upsert(input('d1')).kind, 'created');
  p.clear();
});

test('expiry removes the request and reports it', async () => {
  const expired: string[] = [];
  const p = new PendingRequests({ ...limits, ttlMs: 20 }, (r) => expired.push(r.requestId));
  const r = p.upsert(input('d1'));
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (expired.length) { clearInterval(t); resolve(); } }, 5); });
  assert.deepEqual(expired, [r.kind === 'created' ? r.request.requestId : '']);
  assert.equal(p.size, 0);
});

test('credentialed local clients and credential-less loopback peers do not share a per-address bucket', () => {
  const p = new PendingRequests(limits, () => {});
  assert.equal(p.upsert(input('x1', { sourceAddress: '127.0.0.1', locality: 'remote' })).kind, 'created');
  assert.equal(p.upsert(input('x2', { sourceAddress: '127.0.0.1', locality: 'remote' })).kind, 'created');
  assert.equal(p.upsert(input('x3', { sourceAddress: '127.0.0.1', locality: 'remote' })).kind, 'limited');
  assert.equal(p.upsert(input('real', { sourceAddress: '127.0.0.1', locality: 'local' })).kind, 'created', 'a real local role change still gets through');
  p.clear();
});
