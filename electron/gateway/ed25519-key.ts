// Is a 32-byte Ed25519 public key one that can prove anything? A key of small order (the identity and the other
// seven torsion points) lets a forged signature such as (R = identity, S = 0) verify for every message, and a
// non-canonical encoding gives one key several ids. Both are refused before any pairing decision (RFC 8032 §5.1.3).

const P = (1n << 255n) - 19n;
const D = mod(-121665n * inverse(121666n));
/** sqrt(-1) mod p, for the square-root step of point decoding. */
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function inverse(a: bigint): bigint {
  return pow(a, P - 2n);
}

export type KeyProblem = 'non-canonical' | 'not-on-curve' | 'small-order';

interface Point { x: bigint; y: bigint; z: bigint; t: bigint }

/** Doubling in extended coordinates (a = -1), as in RFC 8032 §5.1.4. */
function double(p: Point): Point {
  const a = (p.x * p.x) % P;
  const b = (p.y * p.y) % P;
  const c = (2n * p.z * p.z) % P;
  const h = mod(a + b);
  const e = mod(h - mod((p.x + p.y) * (p.x + p.y)));
  const g = mod(a - b);
  const f = mod(c + g);
  return { x: (e * f) % P, y: (g * h) % P, z: (f * g) % P, t: (e * h) % P };
}

/** Why this encoded key is unusable, or null when it is a canonical point outside the small-order subgroup. */
export function ed25519KeyProblem(raw: Uint8Array): KeyProblem | null {
  if (raw.length !== 32) return 'not-on-curve';
  const sign = (raw[31]! >> 7) & 1;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? raw[i]! & 0x7f : raw[i]!);
  if (y >= P) return 'non-canonical';
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  // x = u v^3 (u v^7)^((p-5)/8), then fix up by sqrt(-1) if needed.
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 !== u) {
    if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
    else return 'not-on-curve';
  }
  // x = 0 has only one encoding: with the sign bit set it is the same point spelled a second way.
  if (x === 0n && sign === 1) return 'non-canonical';
  if ((x & 1n) !== BigInt(sign)) x = mod(-x);
  // [8]P is the identity exactly when P lies in the torsion subgroup (orders 1, 2, 4, 8).
  let q: Point = { x, y, z: 1n, t: mod(x * y) };
  for (let i = 0; i < 3; i++) q = double(q);
  return mod(q.x) === 0n && mod(q.y - q.z) === 0n ? 'small-order' : null;
}
