// What a record holds and what approving gives, as pure rules (the socket-level cases are in reapproval.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grantFor, heldRecord } from './approval-grant';
import type { PairedDevice, TokenRecord } from './store-schema';

const tok = (role: string, scopes: string[], revoked = false): TokenRecord => ({ hash: 'h', role, scopes, createdAtMs: 1, ...(revoked ? { revokedAtMs: 2 } : {}) });
const rec = (over: Partial<PairedDevice>): PairedDevice => ({
  deviceId: 'd', publicKey: 'k', createdAtMs: 1, approvedAtMs: 1, roles: ['operator', 'node'], scopes: ['operator.admin'], approvedScopes: ['operator.admin'],
  tokens: { operator: tok('operator', ['operator.admin']), node: tok('node', []) }, ...over,
});

test('a revoked role is not held, nor are the operator scopes it carried', () => {
  const held = heldRecord(rec({ tokens: { operator: tok('operator', ['operator.admin'], true), node: tok('node', []) } }), 'operator')!;
  assert.deepEqual(held.roles, ['node']);
  assert.deepEqual(held.approvedScopes, []);
  const nodeRevoked = heldRecord(rec({ tokens: { operator: tok('operator', ['operator.admin']), node: tok('node', [], true) } }), 'operator')!;
  assert.deepEqual(nodeRevoked.roles, ['operator']);
  assert.deepEqual(nodeRevoked.approvedScopes, ['operator.admin'], 'a revoked node role leaves the operator grant alone');
});

test('a live operator token bounds what is held, whatever the older approved set says', () => {
  const held = heldRecord(rec({}), 'operator', ['operator.read'])!;
  assert.deepEqual(held.approvedScopes, ['operator.read']);
  assert.deepEqual(heldRecord(rec({}), 'node', ['operator.read'])!.approvedScopes, ['operator.admin'], 'only the operator role is bounded');
});

test('approving gives exactly the asked scopes, for the asked role, on top of what is held', () => {
  assert.deepEqual(grantFor(undefined, { role: 'operator', scopes: [] }), { role: 'operator', scopes: [], roles: ['operator'], approvedScopes: [] });
  const revoked = heldRecord(rec({ tokens: { operator: tok('operator', ['operator.admin'], true), node: tok('node', []) } }), 'operator');
  assert.deepEqual(grantFor(revoked, { role: 'operator', scopes: ['operator.read'] }), { role: 'operator', scopes: ['operator.read'], roles: ['node', 'operator'], approvedScopes: ['operator.read'] });
  const narrow = heldRecord(rec({}), 'operator', ['operator.read']);
  assert.deepEqual(grantFor(narrow, { role: 'operator', scopes: [' operator.write', 'operator.write'] }).approvedScopes, ['operator.read', 'operator.write']);
  assert.deepEqual(grantFor(narrow, { role: 'node', scopes: [] }), { role: 'node', scopes: [], roles: ['node', 'operator'], approvedScopes: ['operator.read'] });
});
