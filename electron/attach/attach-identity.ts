// Loopgate's own device identity for attach mode: an Ed25519 key pair kept in Loopgate's data folder
// (<home>/attach-identity.json, 0600), so the gateway it attaches to sees the same device every time.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { buildPayloadV3, bytesToBase64Url, type SignedFields } from '../../shared/device-auth';
import { ensurePrivateDir } from '../pairing/atomic-file';
import { readJsonDocument, writeJsonDocument } from '../pairing/json-file-store';

export const ATTACH_IDENTITY_FILE = 'attach-identity.json';

const IdentityFileSchema = z.strictObject({
  version: z.literal(1),
  deviceId: z.string().regex(/^[0-9a-f]{64}$/),
  publicKey: z.string().min(1),
  privateKeyPem: z.string().startsWith('-----BEGIN PRIVATE KEY-----'),
  createdAtMs: z.number().int().nonnegative(),
});

export interface AttachIdentity {
  deviceId: string;
  /** base64url of the raw 32-byte Ed25519 key, as OpenClaw's connect carries it. */
  publicKey: string;
  privateKey: KeyObject;
}

function rawPublicKey(key: KeyObject): Buffer {
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
}

/** The stored identity, created on first use. A file that does not check out is an error, never silently replaced. */
export async function loadOrCreateAttachIdentity(home: string, now: () => number = Date.now): Promise<AttachIdentity> {
  const file = join(home, ATTACH_IDENTITY_FILE);
  await ensurePrivateDir(home);
  const doc = await readJsonDocument(file, IdentityFileSchema);
  if (!doc.ok) throw new Error(`attach identity unreadable: ${doc.error}`);
  if (doc.value) {
    const privateKey = createPrivateKey(doc.value.privateKeyPem);
    const raw = rawPublicKey(privateKey);
    // The id and public key on file must be the ones the private key implies.
    if (bytesToBase64Url(raw) !== doc.value.publicKey || createHash('sha256').update(raw).digest('hex') !== doc.value.deviceId) {
      throw new Error(`attach identity in ${file} does not match its private key; move the file aside to create a new one`);
    }
    return { deviceId: doc.value.deviceId, publicKey: doc.value.publicKey, privateKey };
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(privateKey);
  const identity = { deviceId: createHash('sha256').update(raw).digest('hex'), publicKey: bytesToBase64Url(raw), privateKey };
  await writeJsonDocument(file, {
    version: 1, deviceId: identity.deviceId, publicKey: identity.publicKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), createdAtMs: now(),
  });
  return identity;
}

/** The connect proof OpenClaw checks: Ed25519 over the v3 string, signed at the challenge's time. */
export function signConnect(identity: AttachIdentity, fields: Omit<SignedFields, 'deviceId'>): { id: string; publicKey: string; signature: string; signedAt: number; nonce: string } {
  const payload = buildPayloadV3({ ...fields, deviceId: identity.deviceId });
  return {
    id: identity.deviceId, publicKey: identity.publicKey,
    signature: bytesToBase64Url(sign(null, Buffer.from(payload, 'utf8'), identity.privateKey)),
    signedAt: fields.signedAtMs, nonce: fields.nonce,
  };
}
