import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeScopes, roleScopesAllow, scopesWithin } from './scopes';

test('implication: admin covers every operator scope, write covers read, nothing else crosses', () => {
  for (const s of ['operator.read', 'operator.write', 'operator.approvals', 'operator.pairing', 'operator.talk.secrets']) {
    assert.equal(roleScopesAllow('operator', [s], ['operator.admin']), true, s);
  }
  assert.equal(roleScopesAllow('operator', ['operator.read'], ['operator.write']), true);
  assert.equal(roleScopesAllow('operator', ['operator.write'], ['operator.read']), false);
  assert.equal(roleScopesAllow('operator', ['operator.write'], ['operator.approvals']), false);
  assert.equal(roleScopesAllow('operator', ['operator.approvals'], ['operator.write']), false);
  assert.equal(roleScopesAllow('operator', ['other.read'], ['operator.admin']), false);
});

test('empty requested is always allowed; non-empty against nothing is denied; node scopes match exactly', () => {
  assert.equal(roleScopesAllow('operator', [], []), true);
  assert.equal(roleScopesAllow('operator', ['operator.read'], []), false);
  assert.equal(roleScopesAllow('node', ['system.run'], ['operator.admin', 'system.run']), true);
  assert.equal(roleScopesAllow('node', ['system.run'], ['operator.admin']), false);
});

test('normalize trims, dedupes and sorts; approver containment splits granted from refused', () => {
  assert.deepEqual(normalizeScopes([' operator.write', 'operator.read', 'operator.write', '']), ['operator.read', 'operator.write']);
  assert.deepEqual(scopesWithin(['operator.admin', 'operator.read'], ['operator.pairing', 'operator.write']), { granted: ['operator.read'], refused: ['operator.admin'] });
});
