// The strings a device signs to prove its key (v2, v3, v4), and the encodings around them.

export interface SignedFields {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  /** Exactly as sent in connect.params.scopes: no sorting or dedupe. */
  scopes: readonly string[];
  signedAtMs: number;
  /** The signature token: auth.token ?? auth.deviceToken ?? auth.bootstrapToken, or empty. */
  token?: string | null;
  nonce: string;
  platform?: string | null;
  deviceFamily?: string | null;
  /** v4 only: trailing trusted-broker profile id. */
  profileId?: string | null;
}

/** Trim, and lower-case ASCII A–Z only (non-ASCII untouched), as OpenClaw pins device metadata. */
export function normalizeDeviceMetadata(value: string | null | undefined): string {
  const t = (value ?? '').trim();
  return t.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function buildPayloadV2(f: SignedFields): string {
  return ['v2', f.deviceId, f.clientId, f.clientMode, f.role, f.scopes.join(','), String(f.signedAtMs), f.token ?? '', f.nonce].join('|');
}

export function buildPayloadV3(f: SignedFields): string {
  return [
    'v3', f.deviceId, f.clientId, f.clientMode, f.role, f.scopes.join(','), String(f.signedAtMs), f.token ?? '', f.nonce,
    normalizeDeviceMetadata(f.platform), normalizeDeviceMetadata(f.deviceFamily),
  ].join('|');
}

/** v4 prefixes every field with its length, so fields that concatenate alike still sign differently. */
export function buildPayloadV4(f: SignedFields): string {
  const field = (v: string) => `${v.length}:${v}`;
  return [
    'v4', field(f.deviceId), field(f.clientId), field(f.clientMode), field(f.role), field(String(f.scopes.length)),
    ...f.scopes.map(field), field(String(f.signedAtMs)), field(f.token ?? ''), field(f.nonce),
    field(normalizeDeviceMetadata(f.platform)), field(normalizeDeviceMetadata(f.deviceFamily)), field(f.profileId ?? ''),
  ].join('|');
}

/** Every payload form a gateway accepts, newest first. */
export function candidatePayloads(f: SignedFields): string[] {
  return [buildPayloadV3(f), buildPayloadV2(f), buildPayloadV4(f)];
}

const B64URL = /^[A-Za-z0-9_-]*$/;

export function bytesToBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url (or standard base64, padded or not); null when the text is not base64 at all. */
export function base64UrlToBytes(text: string): Uint8Array | null {
  const t = text.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  if (!B64URL.test(t) || t.length % 4 === 1) return null;
  const std = t.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Short, human-comparable key fingerprint ("SHA256:ab12 cd34 …") from a device id (itself the key's SHA-256). */
export function fingerprintOf(deviceId: string): string {
  const hex = deviceId.toLowerCase();
  return `SHA256:${hex.slice(0, 16).replace(/(.{4})(?!$)/g, '$1 ')}`;
}
