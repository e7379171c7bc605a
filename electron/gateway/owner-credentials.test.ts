import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LINK_TTL_MS, OwnerCredentials, SESSION_GRACE_MS } from './owner-credentials';
import { AuthLimiter } from './auth-limiter';

test('a link credential works once and yields a session credential for reconnects', () => {
  const o = new OwnerCredentials();
  const link = o.issueLink();
  const first = o.redeem(link);
  assert.equal(first?.kind, 'link');
  assert.equal(o.redeem(link), null, 'one-time');
  const session = first!.kind === 'link' ? first!.session : '';
  assert.equal(o.redeem(session)?.kind, 'session');
  assert.equal(o.redeem('nope'), null);
  assert.equal(o.redeem(''), null);
});

test('links expire after 15 minutes; sessions end a grace period after their last socket closes', () => {
  let now = 0;
  const o = new OwnerCredentials(() => now);
  const stale = o.issueLink();
  now += LINK_TTL_MS + 1;
  assert.equal(o.redeem(stale), null);

  const r = o.redeem(o.issueLink())!;
  const session = r.kind === 'link' ? r.session : '';
  now += 24 * 60 * 60_000;
  const again = o.redeem(session)!; // still in use by the first socket: alive however long
  assert.equal(again.kind, 'session');
  o.release(r.handle);
  o.release(again.handle);
  now += SESSION_GRACE_MS - 1;
  const reload = o.redeem(session)!; // a reload within the grace period
  assert.equal(reload.kind, 'session');
  o.release(reload.handle);
  now += SESSION_GRACE_MS + 1;
  assert.equal(o.redeem(session), null, 'the tab is gone: so is the session');
});

test('the auth limiter throttles browser origins even on loopback, never plain loopback clients', () => {
  let now = 0;
  const l = new AuthLimiter({ maxFailures: 3, windowMs: 1000, lockoutMs: 5000 }, () => now);
  assert.equal(AuthLimiter.key('local', '127.0.0.1', undefined), null);
  assert.equal(AuthLimiter.key('remote', '127.0.0.1', undefined), 'ip:127.0.0.1', 'judged remote: limited, loopback or not');
  const k = AuthLimiter.key('browser', '127.0.0.1', 'http://127.0.0.1:1');
  for (let i = 0; i < 3; i++) l.fail(k);
  assert.equal(l.lockedFor(k), 5000);
  l.succeed(k);
  assert.equal(l.lockedFor(k), 5000, 'a success does not lift a lockout others caused');
  now += 5001;
  assert.equal(l.lockedFor(k), 0);
  const remote = AuthLimiter.key('remote', '10.0.0.1', undefined);
  l.fail(remote);
  l.succeed(remote);
  l.fail(remote);
  l.fail(remote);
  assert.equal(l.lockedFor(remote), 0, 'success resets the count');
});
