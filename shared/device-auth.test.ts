import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64UrlToBytes, buildPayloadV2, buildPayloadV3, buildPayloadV4, bytesToBase64Url, normalizeDeviceMetadata } from './device-auth';

const v2 = { deviceId: 'dev-1', clientId: 'openclaw-macos', clientMode: 'ui', role: 'operator', scopes: ['operator.admin', 'operator.read'], signedAtMs: 1700000000000, token: null, nonce: 'nonce-abc' };

test('v2 and v3 payloads match the reference vectors', () => {
  assert.equal(buildPayloadV2(v2), 'v2|dev-1|openclaw-macos|ui|operator|operator.admin,operator.read|1700000000000||nonce-abc');
  assert.equal(buildPayloadV3({ ...v2, token: 'tok-123', platform: '  IOS  ', deviceFamily: '  iPhone  ' }),
    'v3|dev-1|openclaw-macos|ui|operator|operator.admin,operator.read|1700000000000|tok-123|nonce-abc|ios|iphone');
  assert.equal(buildPayloadV3({ deviceId: 'dev-2', clientId: 'openclaw-ios', clientMode: 'ui', role: 'operator', scopes: ['operator.read'], signedAtMs: 1700000000001, nonce: 'nonce-def' }),
    'v3|dev-2|openclaw-ios|ui|operator|operator.read|1700000000001||nonce-def||');
});

test('v4 is length-prefixed and separates fields that would concatenate alike', () => {
  const f = { deviceId: 'dev-3', clientId: 'gateway-client', clientMode: 'backend', role: 'operator', scopes: ['operator.read', 'operator.write'], signedAtMs: 1700000000002, token: 'tok-456', nonce: 'nonce-ghi', platform: 'linux', deviceFamily: '', profileId: 'profile-human-1' };
  assert.equal(buildPayloadV4(f), 'v4|5:dev-3|14:gateway-client|7:backend|8:operator|1:2|13:operator.read|14:operator.write|13:1700000000002|7:tok-456|9:nonce-ghi|5:linux|0:|15:profile-human-1');
  assert.notEqual(buildPayloadV4({ ...f, token: 'ab', nonce: 'c' }), buildPayloadV4({ ...f, token: 'a', nonce: 'bc' }));
  assert.notEqual(buildPayloadV4({ ...f, scopes: ['a,b'] }), buildPayloadV4({ ...f, scopes: ['a', 'b'] }));
});

test('metadata lower-cases ASCII only', () => {
  assert.equal(normalizeDeviceMetadata('  İOS  '), 'İos');
  assert.equal(normalizeDeviceMetadata('  MAC  '), 'mac');
  assert.equal(normalizeDeviceMetadata(undefined), '');
});

test('base64url round-trips and rejects non-base64 text', () => {
  const bytes = new Uint8Array([0, 250, 251, 252, 253, 254, 255, 1]);
  assert.deepEqual(base64UrlToBytes(bytesToBase64Url(bytes)), bytes);
  assert.equal(base64UrlToBytes('not base64!'), null);
  assert.deepEqual(base64UrlToBytes('+/8='), new Uint8Array([251, 255]));
});
