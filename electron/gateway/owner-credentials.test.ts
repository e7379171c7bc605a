import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnerCredentials } from './owner-credentials';
import { AuthLimiter } from './auth-limiter';

test('a link credential works once and yields a reusable session credential', () => {
  const o = new OwnerCredentials();
  const link = o.issueLink();
  const first = o.redeem(link);
  assert.equal(first?.kind, 'link');
  assert.equal(o.redeem(link), null, 'one-time');
  const session = first!.kind === 'link' ? first!.session : '';
  assert.deepEqual(o.redeem(session), { kind: 'session' });
  assert.deepEqual(o.redeem(session), { kind: 'session' });
  assert.equal(o.redeem('nope'), null);
  assert.equal(o.redeem(''), null);
});

test('an expired link is refused', () => {
  let now = 0;
  const o = new OwnerCredentials(() => now);
  const link = o.issueLink();
  now += 25 * 60 * 60_000;
  assert.equal(o.redeem(link), null);
});

test('the auth limiter throttles browser origins even on loopback, never plain loopback clients', () => {
  let now = 0;
  const l = new AuthLimiter({ maxFailures: 3, windowMs: 1000, lockoutMs: 5000 }, () => now);
  assert.equal(AuthLimiter.key('127.0.0.1', undefined, true), null);
  const k = AuthLimiter.key('127.0.0.1', 'http://127.0.0.1:1', true);
  for (let i = 0; i < 3; i++) l.fail(k);
  assert.equal(l.lockedFor(k), 5000);
  now += 5001;
  assert.equal(l.lockedFor(k), 0);
  const remote = AuthLimiter.key('10.0.0.1', undefined, false);
  l.fail(remote);
  l.succeed(remote);
  l.fail(remote);
  l.fail(remote);
  assert.equal(l.lockedFor(remote), 0, 'success resets the count');
});
