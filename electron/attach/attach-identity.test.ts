// Loopgate's own device identity for attach mode: created once, 0600, the same on every start, never silently replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, verify, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPayloadV3, base64UrlToBytes } from '../../shared/device-auth';
import { ATTACH_IDENTITY_FILE, loadOrCreateAttachIdentity, signConnect } from './attach-identity';

test('created on first use (0600), the same identity afterwards', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-attach-id-'));
  const a = await loadOrCreateAttachIdentity(home);
  const b = await loadOrCreateAttachIdentity(home);
  assert.equal(a.deviceId, b.deviceId);
  assert.equal(a.deviceId, createHash('sha256').update(base64UrlToBytes(a.publicKey)!).digest('hex'));
  if (process.platform !== 'win32') assert.equal((await stat(join(home, ATTACH_IDENTITY_FILE))).mode & 0o777, 0o600);
});

test('the connect proof verifies over the v3 string', async () => {
  const id = await loadOrCreateAttachIdentity(await mkdtemp(join(tmpdir(), 'loopgate-attach-id-')));
  const fields = { clientId: 'gateway-client', clientMode: 'backend', role: 'operator', scopes: ['operator.admin'], signedAtMs: 5, token: 't', nonce: 'n', platform: 'linux', deviceFamily: '' };
  const proof = signConnect(id, fields);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(base64UrlToBytes(id.publicKey)!)]);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  assert.ok(verify(null, Buffer.from(buildPayloadV3({ ...fields, deviceId: id.deviceId })), key, Buffer.from(base64UrlToBytes(proof.signature)!)));
  assert.equal(proof.signedAt, 5);
});

test('a file that does not check out is an error, never silently replaced by a new identity', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-attach-id-'));
  const a = await loadOrCreateAttachIdentity(home);
  const file = join(home, ATTACH_IDENTITY_FILE);
  const doc = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...doc, deviceId: 'f'.repeat(64) }), { mode: 0o600 });
  await assert.rejects(loadOrCreateAttachIdentity(home), /does not match its private key/);
  await writeFile(file, '{ not json', { mode: 0o600 });
  await assert.rejects(loadOrCreateAttachIdentity(home), /attach identity unreadable/);
  assert.ok(a.deviceId);
});
