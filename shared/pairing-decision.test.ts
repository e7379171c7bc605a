import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePairing, pairingReason, type PairedRecordFacts } from './pairing-decision';

const key = 'KEY';
const rec: PairedRecordFacts = { publicKey: key, role: 'operator', roles: ['operator'], scopes: ['operator.read'], approvedScopes: ['operator.read'], platform: 'linux' };
const ask = (o: Partial<Parameters<typeof decidePairing>[1]> = {}) => ({ publicKey: key, role: 'operator', scopes: ['operator.read'], platform: 'Linux', ...o });

test('reasons follow the reference order and the implication rules', () => {
  assert.equal(pairingReason(undefined, ask()), 'not-paired');
  assert.equal(pairingReason({ ...rec, publicKey: 'OTHER' }, ask()), 'not-paired');
  assert.equal(pairingReason(rec, ask({ platform: 'darwin', role: 'node' })), 'metadata-upgrade');
  assert.equal(pairingReason(rec, ask({ role: 'node', scopes: [] })), 'role-upgrade');
  assert.equal(pairingReason(rec, ask({ scopes: ['operator.admin'] })), 'scope-upgrade');
  assert.equal(pairingReason({ ...rec, scopes: ['operator.admin'] }, ask({ scopes: ['operator.read', 'operator.pairing'] })), null);
  assert.equal(pairingReason(rec, ask({ scopes: [] })), null);
});

test('legacy records without roles or scopes fall back to role and approvedScopes', () => {
  const legacy = { publicKey: key, role: 'operator', approvedScopes: ['operator.read'] };
  assert.equal(pairingReason(legacy, ask()), null);
  assert.equal(pairingReason({ publicKey: key }, ask()), 'role-upgrade');
  assert.equal(pairingReason({ publicKey: key, role: 'operator' }, ask()), 'scope-upgrade');
  assert.equal(pairingReason({ publicKey: key, role: 'operator' }, ask({ scopes: [] })), null);
});

test('the silent table: local not-paired and scope-upgrade only', () => {
  const table: Array<[PairedRecordFacts | undefined, ReturnType<typeof ask>, string]> = [
    [undefined, ask(), 'not-paired'],
    [rec, ask({ scopes: ['operator.admin'] }), 'scope-upgrade'],
    [rec, ask({ role: 'node', scopes: [] }), 'role-upgrade'],
    [rec, ask({ platform: 'windows' }), 'metadata-upgrade'],
  ];
  for (const [r, a, reason] of table) {
    const local = decidePairing(r, a, 'local');
    const browser = decidePairing(r, a, 'browser');
    const remote = decidePairing(r, a, 'remote');
    assert.equal(local.kind === 'approval' && local.reason, reason);
    assert.equal(local.kind === 'approval' && local.silent, reason === 'not-paired' || reason === 'scope-upgrade', reason);
    assert.equal(browser.kind === 'approval' && browser.silent, false);
    assert.equal(remote.kind === 'approval' && remote.silent, false);
  }
  assert.deepEqual(decidePairing(rec, ask(), 'remote'), { kind: 'paired' });
});

test('settings turn silent approval off or cap the scopes it may grant', () => {
  const off = decidePairing(rec, ask({ scopes: ['operator.write'] }), 'local', { enabled: false, ceiling: null });
  assert.equal(off.kind === 'approval' && off.silent, false);
  const capped = { enabled: true, ceiling: ['operator.read', 'operator.write', 'operator.admin'] };
  const pairing = decidePairing(rec, ask({ scopes: ['operator.pairing'] }), 'local', { enabled: true, ceiling: ['operator.read', 'operator.write'] });
  assert.equal(pairing.kind === 'approval' && pairing.silent, false);
  const admin = decidePairing(rec, ask({ scopes: ['operator.admin'] }), 'local', capped);
  assert.equal(admin.kind === 'approval' && admin.silent, true);
  // The ceiling judges only what is new: a device already holding pairing may add write silently.
  const held = { ...rec, scopes: ['operator.pairing'] };
  const write = decidePairing(held, ask({ scopes: ['operator.pairing', 'operator.write'] }), 'local', { enabled: true, ceiling: ['operator.read', 'operator.write'] });
  assert.equal(write.kind === 'approval' && write.silent, true);
});
