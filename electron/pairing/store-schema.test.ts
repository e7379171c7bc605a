import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStoreFile, StoreFileV2Schema } from './store-schema';
import { makeDevice } from './testdata/fixtures';

const file = (devices: Record<string, unknown>) => ({ version: 2, generation: 3, updatedAtMs: 1, devices });

test('a valid version 2 file parses; legacy records without roles/scopes are accepted', () => {
  const legacy: Record<string, unknown> = { ...makeDevice('b') };
  delete legacy.roles;
  delete legacy.scopes;
  delete legacy.approvedScopes;
  const parsed = StoreFileV2Schema.parse(file({ a: makeDevice('a'), b: legacy }));
  assert.deepEqual(Object.keys(parsed.devices), ['a', 'b']);
  assert.equal(StoreFileV2Schema.safeParse(emptyStoreFile(5)).success, true);
});

test('rejects records filed under the wrong key, bad hashes, missing fields, bad numbers', () => {
  const bad = [
    file({ x: makeDevice('a') }),
    file({ a: { ...makeDevice('a'), tokens: { node: makeDevice('a').tokens.operator } } }),
    file({ a: { ...makeDevice('a'), tokens: { operator: { ...makeDevice('a').tokens.operator, hash: 'plaintext' } } } }),
    file({ a: { ...makeDevice('a'), publicKey: undefined } }),
    file({ a: { ...makeDevice('a'), approvedAtMs: -1 } }),
    { ...file({}), generation: 1.5 },
    { ...file({}), version: 3 },
    { ...file({}), devices: [] },
  ];
  for (const value of bad) assert.equal(StoreFileV2Schema.safeParse(value).success, false, JSON.stringify(value).slice(0, 120));
});

test('unknown fields are dropped, so a stray plaintext token is never carried forward', () => {
  const d = makeDevice('a');
  const withPlain = { ...d, tokens: { operator: { ...d.tokens.operator, token: 'secret' } } };
  const parsed = StoreFileV2Schema.parse(file({ a: withPlain }));
  assert.equal('token' in parsed.devices.a!.tokens.operator!, false);
});

test('operatorLabel (the user\'s name for a device) is optional: files written before it load, and it round-trips', () => {
  const before = StoreFileV2Schema.parse(file({ a: makeDevice('a') }));
  assert.equal(before.devices.a!.operatorLabel, undefined);
  const named = StoreFileV2Schema.parse(file({ a: { ...makeDevice('a'), operatorLabel: 'Build agent' } }));
  assert.equal(named.devices.a!.operatorLabel, 'Build agent');
  for (const bad of ['', 'x'.repeat(65), 7, null]) {
    assert.equal(StoreFileV2Schema.safeParse(file({ a: { ...makeDevice('a'), operatorLabel: bad } })).success, false, String(bad));
  }
});
