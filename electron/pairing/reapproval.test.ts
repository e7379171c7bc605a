// Re-approval never restores more than it shows (issue 7), over real sockets and the real store: after a revoke
// or a narrowing, an approval grants exactly the request's scopes; the approver is judged on that grant; the
// pending request carries the same grant the window shows.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice, createIdentity, type ConnectOptions, type DeviceIdentity } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';
import type { PendingRequestView } from '../../shared/pairing-types';

let h: Harness;
beforeEach(async () => { h = await startHarness({ pendingTtlMs: 60_000, denyCooldownMs: 0 }); });
afterEach(async () => { await h.stop(); });

const OWNER = { kind: 'owner', label: 'test' } as const;

async function pairLocal(id: DeviceIdentity, scopes: string[]): Promise<string> {
  const r = await connectDevice(h.url, id, { token: h.token, scopes });
  assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
  r.socket.close();
  return r.res.payload.auth.deviceToken as string;
}

/** A connect that must wait for the user: the request it raised, as device.pair.list shows it. */
async function ask(id: DeviceIdentity, opts: ConnectOptions): Promise<PendingRequestView> {
  const r = await connectDevice(h.url, id, opts);
  assert.equal(r.res.ok, false, 'expected a pending request');
  assert.equal(r.res.error!.details.code, 'PAIRING_REQUIRED', JSON.stringify(r.res.error));
  r.socket.close();
  return h.gw.pending().find((p) => p.requestId === r.res.error!.details.requestId)!;
}

async function pairingHolder(scopes: string[]) {
  const r = await connectDevice(h.url, null, { token: h.token, scopes });
  assert.equal(r.res.ok, true);
  return r.socket;
}

describe('after a revoke, approval grants exactly what the request shows', () => {
  const spellings: Array<[string, (revoked: string) => ConnectOptions]> = [
    ['key alone, no scopes', () => ({ scopes: [] })],
    ['key alone, operator.read', () => ({ scopes: ['operator.read'] })],
    ['gateway token, no scopes', () => ({ token: h.token, scopes: [] })],
    ['key alone from afar, no scopes', () => ({ scopes: [], headers: { Host: 'gateway.example' } })],
  ];
  for (const [name, opts] of spellings) {
    test(`${name}: an approver without operator.admin cannot bring it back`, async () => {
      const id = createIdentity();
      const old = await pairLocal(id, ['operator.admin']);
      await h.gw.pairing.revoke(id.deviceId, 'operator', OWNER);
      const o = opts(old);
      // The revoked token itself is refused outright (it proves nothing any more).
      const refused = await connectDevice(h.url, id, { deviceToken: old, scopes: [] });
      assert.equal(refused.res.error!.details.code, 'AUTH_DEVICE_TOKEN_MISMATCH');
      refused.socket.close();
      const req = await ask(id, o);
      assert.equal(req.reason, 'role-upgrade');
      assert.deepEqual(req.heldScopes, [], 'a revoked role holds nothing');
      assert.deepEqual(req.grant, { roles: ['operator'], scopes: o.scopes });

      const approver = await pairingHolder(['operator.pairing', 'operator.read']);
      const listed = (await approver.call('device.pair.list', {})).pending.find((p: PendingRequestView) => p.requestId === req.requestId);
      assert.deepEqual(listed.grant, req.grant, 'the list carries the grant the window shows');
      await approver.call('device.pair.approve', { requestId: req.requestId });
      approver.close();

      const rec = h.gw.pairing.store.get(id.deviceId)!;
      assert.deepEqual(rec.tokens.operator!.scopes, req.grant.scopes, 'the token carries exactly the shown scopes');
      assert.deepEqual(rec.approvedScopes, req.grant.scopes, 'the approved set was not inherited either');
      assert.equal(rec.tokens.operator!.revokedAtMs, undefined);

      // The device picks up its token: exactly what was shown, nothing more.
      const back = await connectDevice(h.url, id, o);
      assert.equal(back.res.ok, true, JSON.stringify(back.res.error));
      assert.deepEqual(back.res.payload.auth.scopes, o.scopes);
      const fresh = back.res.payload.auth.deviceToken as string;
      back.socket.close();
      // Asking for its old admin again is a new request, with the new token or the key alone.
      for (const again of [{ deviceToken: fresh, scopes: ['operator.admin'], headers: { Host: 'gateway.example' } }, { scopes: ['operator.admin'] }]) {
        const more = await ask(id, again);
        assert.equal(more.reason, 'scope-upgrade');
        assert.deepEqual(more.grant.scopes, ['operator.admin']);
        await h.gw.reject(more.requestId);
      }
    });
  }

  test('the approver check runs on the grant: holding operator.pairing is not enough to grant operator.admin', async () => {
    const id = createIdentity();
    await pairLocal(id, ['operator.read']);
    await h.gw.pairing.revoke(id.deviceId, 'operator', OWNER);
    const req = await ask(id, { scopes: ['operator.admin', 'operator.read'] });
    assert.deepEqual(req.grant.scopes, ['operator.admin', 'operator.read']);
    const weak = await pairingHolder(['operator.pairing', 'operator.read']);
    const denied = await weak.request('device.pair.approve', { requestId: req.requestId });
    assert.match(denied.error!.message, /does not hold operator\.admin/);
    // Narrowed to what it holds, it may approve, and exactly that is granted.
    await weak.call('device.pair.approve', { requestId: req.requestId, scopes: ['operator.read'] });
    assert.deepEqual(h.gw.pairing.store.get(id.deviceId)!.tokens.operator!.scopes, ['operator.read']);
    weak.close();
  });
});

describe('an older approved set is never what an approval hands out', () => {
  test('after a narrowing rotation, the old admin approval authorizes nothing and is not re-granted', async () => {
    const id = createIdentity();
    await pairLocal(id, ['operator.admin']);
    const rotated = await h.gw.pairing.rotate(id.deviceId, 'operator', ['operator.read'], OWNER);
    // The key alone, asking for the old admin: judged against the live (narrow) token, not the old set.
    const keyOnly = await ask(id, { scopes: ['operator.admin'] });
    assert.equal(keyOnly.reason, 'scope-upgrade');
    assert.deepEqual(keyOnly.heldScopes, ['operator.read']);
    await h.gw.reject(keyOnly.requestId);
    // From afar with the narrow token, asking for write: approving gives write on top of read, never admin.
    const req = await ask(id, { deviceToken: rotated.token!, scopes: ['operator.write'], headers: { Host: 'gateway.example' } });
    assert.deepEqual(req.grant, { roles: ['operator'], scopes: ['operator.write'] });
    const approver = await pairingHolder(['operator.pairing', 'operator.write']);
    await approver.call('device.pair.approve', { requestId: req.requestId });
    approver.close();
    const rec = h.gw.pairing.store.get(id.deviceId)!;
    assert.deepEqual(rec.tokens.operator!.scopes, ['operator.write']);
    assert.deepEqual(rec.approvedScopes, ['operator.read', 'operator.write']);
    const admin = await ask(id, { scopes: ['operator.admin'] });
    assert.equal(admin.reason, 'scope-upgrade', 'operator.admin needs the user again');
  });

  test('a role approval for a node keeps the operator grant as it is and shows both roles', async () => {
    const id = createIdentity();
    await pairLocal(id, ['operator.read']);
    const req = await ask(id, { token: h.token, role: 'node', scopes: [] });
    assert.equal(req.reason, 'role-upgrade');
    assert.deepEqual(req.grant, { roles: ['node', 'operator'], scopes: [] });
    await h.gw.approve(req.requestId);
    const rec = h.gw.pairing.store.get(id.deviceId)!;
    assert.deepEqual(rec.roles, req.grant.roles);
    assert.deepEqual(rec.tokens.node!.scopes, []);
    assert.deepEqual(rec.tokens.operator!.scopes, ['operator.read']);
  });
});
