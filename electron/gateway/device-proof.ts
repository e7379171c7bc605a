// Verifies a connect's device block: the id is the key's SHA-256, the signature is fresh, bound to this
// connection's nonce, and covers role, scopes, client and token (v3, v2 or v4 payload).
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { base64UrlToBytes, bytesToBase64Url, candidatePayloads } from '../../shared/device-auth';
import { DetailCode, GatewayError, ErrorCode } from '../../shared/errors';
import type { ConnectParams } from '../../shared/frames';
import { ed25519KeyProblem, type KeyProblem } from './ed25519-key';

export const SIGNATURE_SKEW_MS = 120_000;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface VerifiedDevice {
  deviceId: string;
  /** Normalized: base64url of the raw 32-byte key. */
  publicKey: string;
  key: KeyObject;
}

function fail(message: string, code: string, reason: string, keyProblem?: KeyProblem): GatewayError {
  return new GatewayError(ErrorCode.INVALID_REQUEST, message, { code, reason, ...(keyProblem ? { keyProblem } : {}) });
}

/** Raw 32-byte Ed25519 key from base64url raw bytes or a PEM SPKI string. */
export function rawPublicKey(text: string): Buffer | null {
  if (text.includes('BEGIN')) {
    try {
      const der = createPublicKey(text).export({ format: 'der', type: 'spki' });
      return der.length === 44 && der.subarray(0, 12).equals(SPKI_ED25519_PREFIX) ? der.subarray(12) : null;
    } catch {
      return null;
    }
  }
  const bytes = base64UrlToBytes(text);
  return bytes && bytes.length === 32 ? Buffer.from(bytes) : null;
}

/**
 * Parsing and vetting a key costs as much as verifying with it; paired devices reconnect with the same key all
 * day. Only keys that passed the vetting, of devices paired with them, are cached: a pairing storm's keys (most
 * never paired) would otherwise stay here after their requests were long gone.
 */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 4096;

const KEY_PROBLEM_TEXT: Record<KeyProblem, string> = {
  'small-order': 'a point of small order, which a forged signature satisfies for any message',
  'non-canonical': 'a non-canonical encoding of a curve point',
  'wrong-length': 'not 32 bytes',
};

/** Parsed keys held (for the admin status's memory view). */
export function cachedDeviceKeys(): number {
  return keyCache.size;
}

function keyObjectFor(raw: Buffer, keep: boolean): KeyObject {
  const id = raw.toString('base64');
  let key = keyCache.get(id);
  if (!key) {
    const problem = ed25519KeyProblem(raw);
    if (problem) throw fail(`device public key invalid: ${KEY_PROBLEM_TEXT[problem]}`, DetailCode.PUBLIC_KEY_INVALID, 'device-public-key', problem);
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
    if (!keep) return key;
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, key);
  }
  return key;
}

export function verifyDeviceProof(
  params: ConnectParams,
  role: string,
  scopes: readonly string[],
  challengeNonce: string,
  now = Date.now(),
  /** Whether this device is paired with this key (its parsed key is then worth keeping). */
  pairedWith: (deviceId: string, publicKey: string) => boolean = () => true,
): VerifiedDevice {
  const device = params.device!;
  const raw = rawPublicKey(device.publicKey);
  const deviceId = raw ? createHash('sha256').update(raw).digest('hex') : null;
  if (raw && deviceId !== device.id.trim().toLowerCase()) {
    throw fail('device identity mismatch', DetailCode.DEVICE_ID_MISMATCH, 'device-id-mismatch');
  }
  if (Math.abs(now - device.signedAt) > SIGNATURE_SKEW_MS) {
    throw fail('device signature expired', DetailCode.SIGNATURE_EXPIRED, 'device-signature-stale');
  }
  const nonce = device.nonce.trim();
  if (!nonce) throw fail('device nonce required', DetailCode.NONCE_REQUIRED, 'device-nonce-missing');
  if (nonce !== challengeNonce) throw fail('device nonce mismatch', DetailCode.NONCE_MISMATCH, 'device-nonce-mismatch');
  if (!raw || !deviceId) throw fail('device public key invalid', DetailCode.PUBLIC_KEY_INVALID, 'device-public-key');
  const key = keyObjectFor(raw, pairedWith(deviceId, bytesToBase64Url(raw)));
  const sig = base64UrlToBytes(device.signature);
  const auth = params.auth;
  const fields = {
    deviceId: device.id, clientId: params.client.id, clientMode: params.client.mode, role, scopes,
    signedAtMs: device.signedAt, token: auth?.token ?? auth?.deviceToken ?? auth?.bootstrapToken ?? '', nonce: device.nonce,
    platform: params.client.platform, deviceFamily: params.client.deviceFamily,
  };
  const ok = !!sig && sig.length === 64 && candidatePayloads(fields).some((p) => verify(null, Buffer.from(p, 'utf8'), key, sig));
  if (!ok) throw fail('device signature invalid', DetailCode.SIGNATURE_INVALID, 'device-signature');
  return { deviceId, publicKey: bytesToBase64Url(raw), key };
}
