// Device tokens: 256-bit random secrets, handed out once and stored only as SHA-256 (a stolen store file then
// yields nothing usable; 256 bits of entropy need no slow hash or salt).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** 32 random bytes, base64url without padding: 43 characters (OpenClaw's format). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Lower-case hex SHA-256 of the token's UTF-8 bytes. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Constant-time check of a presented token against a stored hash. Both sides are 32-byte digests, so the
 * comparison never depends on the presented length or content; any malformed input is simply "no match".
 */
export function tokenMatches(presented: string, hash: string): boolean {
  if (typeof presented !== 'string' || typeof hash !== 'string' || !HEX_SHA256.test(hash)) return false;
  const actual = createHash('sha256').update(presented, 'utf8').digest(); // lone surrogates become U+FFFD, no throw
  return timingSafeEqual(actual, Buffer.from(hash, 'hex'));
}
