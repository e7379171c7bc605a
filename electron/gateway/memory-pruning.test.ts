// Memory that comes back: everything kept per request, per connection or per minted token leaves when it
// expires or its owner goes. Each holder is driven past its deadline with its own clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingRequests, type PendingInput } from '../pairing/pending-requests';
import { UndeliveredTokens } from '../pairing/undelivered-tokens';
import { AuthLimiter } from './auth-limiter';
import { LINK_TTL_MS, OwnerCredentials, SESSION_GRACE_MS } from './owner-credentials';

test('failed-auth entries of a thousand origins are dropped once their window and lockout are over', () => {
  let now = 0;
  const l = new AuthLimiter({ maxFailures: 3, windowMs: 1000, lockoutMs: 5000 }, () => now);
  for (let i = 0; i < 1000; i++) l.fail(`origin:http://site-${i}.example`);
  for (let i = 0; i < 3; i++) l.fail('origin:http://attacker.example'); // locked out
  assert.ok(l.lockedFor('origin:http://attacker.example') > 0);
  now = 2000; // windows over, lockout not
  l.sweep();
  assert.equal(l.size, 1, 'only the locked-out origin is still held');
  assert.ok(l.lockedFor('origin:http://attacker.example') > 0);
  now = 6000;
  assert.equal(l.lockedFor('origin:http://attacker.example'), 0);
  assert.equal(l.size, 0);
  // Without an explicit sweep, new failures sweep as the map grows (cost per failure stays constant).
  for (let i = 0; i < 5000; i++) {
    now += 10;
    l.fail(`origin:http://churn-${i}.example`);
  }
  assert.ok(l.size < 400, `held ${l.size} entries for 5000 one-off failures`);
});

test('minted tokens waiting for delivery are dropped at their deadline, with or without further activity', () => {
  let now = 0;
  const u = new UndeliveredTokens(() => now);
  for (let i = 0; i < 500; i++) u.set(`d${i}\u0000operator`, { token: `t${i}`, until: now + 600_000 });
  assert.equal(u.size, 500);
  assert.equal(u.get('d1\u0000operator')?.token, 't1');
  now = 600_000;
  assert.equal(u.get('d1\u0000operator'), undefined, 'never handed out after its deadline');
  u.set('late\u0000operator', { token: 'x', until: now + 10 }); // activity sweeps
  assert.equal(u.size, 1);
  now += 10;
  u.sweep(); // what the unref'd timer does when nothing else happens
  assert.equal(u.size, 0);
  u.clear();
});

test('cooldowns after denials do not pile up: over ones are swept as new denials come in', () => {
  let mono = 0;
  const p = new PendingRequests({ ttlMs: 60_000, cooldownMs: 1_000, maxTotal: 10, maxPerAddress: 10 }, () => {}, Date.now, () => mono);
  for (let i = 0; i < 10_000; i++) {
    mono += 5;
    p.startCooldown(`device-${i}`);
  }
  assert.ok(p.cooldowns <= 400, `held ${p.cooldowns} cooldowns, at most ~200 are live`);
  mono += 1_000;
  p.sweepCooldowns();
  assert.equal(p.cooldowns, 0);
  const input: PendingInput = {
    deviceId: 'device-1', publicKey: 'k', fingerprint: 'f', role: 'operator', roles: ['operator'], scopes: [], isRepair: false,
    reason: 'not-paired', locality: 'remote', sourceAddress: '10.0.0.1', heldRoles: [], heldScopes: [],
    grant: { roles: ['operator'], scopes: [] },
  };
  assert.equal(p.upsert(input).kind, 'created', 'a swept cooldown is over, not forgotten early');
  p.clear();
});

test('owner links and idle sessions are dropped when they lapse, on the next issue or redeem', () => {
  let now = 0;
  const o = new OwnerCredentials(() => now);
  const links = Array.from({ length: 50 }, () => o.issueLink());
  const session = o.redeem(links[0]!);
  assert.equal(session?.kind, 'link');
  o.release(session!.handle);
  assert.equal(o.size, 50);
  now = LINK_TTL_MS + SESSION_GRACE_MS + 1;
  assert.equal(o.redeem('unknown'), null);
  assert.equal(o.size, 0);
});
