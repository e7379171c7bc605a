import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate, migrateV1ToV2, storeVersionOf } from './migrations';
import { StoreFileV2Schema } from './store-schema';
import { hashToken } from './token-hash';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** OpenClaw's paired.json entry, as in openclaw-protocol.md §10. */
const openclawV1 = () => ({
  '3f9c': {
    deviceId: '3f9c', publicKey: 'qS1', displayName: 'mbp', platform: 'darwin', clientId: 'cli', clientMode: 'cli',
    role: 'operator', roles: ['operator'], scopes: ['operator.read', 'operator.write'], approvedScopes: ['operator.read', 'operator.write'],
    tokens: {
      operator: { token: 'plain-operator-token-0123456789abcdefghijklm', role: 'operator', scopes: ['operator.read', 'operator.write'], createdAtMs: 1740000000000, lastUsedAtMs: 1740000100000 },
    },
    createdAtMs: 1740000000000, approvedAtMs: 1740000000000,
  },
  legacy: { deviceId: 'legacy', publicKey: 'k', role: 'node', createdAtMs: 1, approvedAtMs: 2 }, // no tokens, roles or scopes
});

test('storeVersionOf: bare map is 1, explicit versions, and non-objects are corrupt', () => {
  assert.equal(storeVersionOf({}), 1);
  assert.equal(storeVersionOf(openclawV1()), 1);
  assert.equal(storeVersionOf({ version: 2, devices: {} }), 2);
  for (const raw of [[], null, 'null', 42, true, [{ deviceId: 'a' }]]) {
    assert.throws(() => storeVersionOf(raw), { code: 'DOC_CORRUPT' }, JSON.stringify(raw));
  }
  for (const version of ['2', 1, 0, 2.5, null]) assert.throws(() => storeVersionOf({ version }), { code: 'DOC_CORRUPT' });
  assert.throws(() => storeVersionOf({ version: 3 }), { code: 'DOC_TOO_NEW' });
});

test('migrateV1ToV2 hashes plaintext tokens, wraps the map, and does not touch its input', () => {
  const input = deepFreeze(openclawV1());
  const before = structuredClone(input);
  const out = migrateV1ToV2(input) as { version: number; generation: number; devices: Record<string, { tokens: Record<string, Record<string, unknown>> }> };
  assert.deepEqual(input, before);
  assert.equal(out.version, 2);
  assert.equal(out.generation, 0);
  const tok = out.devices['3f9c']!.tokens.operator!;
  assert.equal(tok.hash, hashToken('plain-operator-token-0123456789abcdefghijklm'));
  assert.equal('token' in tok, false);
  assert.equal(tok.lastUsedAtMs, 1740000100000);
  assert.deepEqual(out.devices.legacy!.tokens, {});
  assert.equal(JSON.stringify(out).includes('plain-operator-token'), false);
  assert.equal(StoreFileV2Schema.safeParse(out).success, true);
});

test('migrateV1ToV2 rejects devices or tokens that are not objects', () => {
  assert.throws(() => migrateV1ToV2({ a: 'x' }), { code: 'DOC_CORRUPT' });
  assert.throws(() => migrateV1ToV2({ a: { tokens: [] } }), { code: 'DOC_CORRUPT' });
  assert.throws(() => migrateV1ToV2({ a: { tokens: { operator: 'plain' } } }), { code: 'DOC_CORRUPT' });
});

test('migrate: applies steps in order, leaves the current version alone, refuses newer ones', () => {
  const m = migrate(openclawV1());
  assert.equal(m.fromVersion, 1);
  assert.equal(m.toVersion, 2);
  assert.equal(StoreFileV2Schema.safeParse(m.value).success, true);
  const current = { version: 2, generation: 7, updatedAtMs: 1, devices: {} };
  assert.deepEqual(migrate(current), { value: current, fromVersion: 2, toVersion: 2 });
  assert.throws(() => migrate({ version: 99, devices: {} }), { code: 'DOC_TOO_NEW' });
  assert.throws(() => migrate(null), { code: 'DOC_CORRUPT' });
});
