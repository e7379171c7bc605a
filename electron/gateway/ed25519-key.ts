// Is a 32-byte Ed25519 public key one that can prove anything? A key of small order (the identity and the other
// seven torsion points) lets a forged signature such as (R = identity, S = 0) verify for every message, and a
// non-canonical encoding gives one point several spellings (RFC 8032 §5.1.3). Both are refused before any pairing
// decision. The check is exact and costs no curve arithmetic: the torsion subgroup has exactly the eight points
// below, and a point is spelled canonically iff y < p and, where x = 0 (y = ±1), the sign bit is clear.

const P = (1n << 255n) - 19n;

/** The canonical encodings of the eight points of order 1, 2, 4 and 8. */
const SMALL_ORDER = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000', // identity (0, 1)
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1), order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // (±√-1, 0), order 4
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
]);

export type KeyProblem = 'non-canonical' | 'small-order' | 'wrong-length';

/** Why this encoded key is unusable, or null. (A point off the curve fails signature verification anyway.) */
export function ed25519KeyProblem(raw: Uint8Array): KeyProblem | null {
  if (raw.length !== 32) return 'wrong-length';
  const sign = raw[31]! >> 7;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? raw[i]! & 0x7f : raw[i]!);
  if (y >= P) return 'non-canonical';
  if (sign === 1 && (y === 1n || y === P - 1n)) return 'non-canonical';
  return SMALL_ORDER.has(Buffer.from(raw).toString('hex')) ? 'small-order' : null;
}
