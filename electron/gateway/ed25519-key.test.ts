// Keys that prove nothing: every small-order point and non-canonical encoding is refused, over a real socket,
// before any pairing decision (no request for the user, no record), in both the raw and the PEM spelling.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { bytesToBase64Url } from '../../shared/device-auth';
import { connectDevice, createIdentity } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { ed25519KeyProblem } from './ed25519-key';

const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4, other sign
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
];
const NON_CANONICAL = [
  '0100000000000000000000000000000000000000000000000000000000000080', // identity with the sign bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // -1 with the sign bit set
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p (0 again)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 (the identity again)
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = 2^255 - 1
];
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// An independent oracle: decode the point (RFC 8032 §5.1.3) and compute [8]P with curve arithmetic; small order
// means [8]P is the identity. The module itself needs none of this; the test checks that the two agree.
const P = (1n << 255n) - 19n;
const md = (a: bigint) => ((a % P) + P) % P;
const pw = (b: bigint, e: bigint) => { let r = 1n; b = md(b); while (e > 0n) { if (e & 1n) r = (r * b) % P; b = (b * b) % P; e >>= 1n; } return r; };
const D = md(-121665n * pw(121666n, P - 2n));
function oracle(raw: Buffer): 'non-canonical' | 'small-order' | 'off-curve' | null {
  const sign = raw[31]! >> 7;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? raw[i]! & 0x7f : raw[i]!);
  if (y >= P) return 'non-canonical';
  const u = md(y * y - 1n);
  const v = md(D * y * y + 1n);
  let x = md(u * pw(v, 3n) * pw(u * pw(v, 7n), (P - 5n) / 8n));
  if (md(v * x * x) !== u) {
    if (md(v * x * x) !== md(-u)) return 'off-curve';
    x = md(x * pw(2n, (P - 1n) / 4n));
  }
  if (x === 0n && sign === 1) return 'non-canonical';
  if (Number(x & 1n) !== sign) x = md(-x);
  let [X, Y, Z] = [x, y, 1n];
  for (let i = 0; i < 3; i++) {
    const a = (X * X) % P, b = (Y * Y) % P, c = (2n * Z * Z) % P, h = md(a + b), e = md(h - md((X + Y) * (X + Y))), g = md(a - b), f = md(c + g);
    [X, Y, Z] = [(e * f) % P, (g * h) % P, (f * g) % P];
  }
  return X === 0n && Y === Z ? 'small-order' : null;
}

describe('the key check', () => {
  test('classifies every torsion point, non-canonical spellings and real keys', () => {
    for (const hex of SMALL_ORDER) assert.equal(ed25519KeyProblem(Buffer.from(hex, 'hex')), 'small-order', hex);
    for (const hex of NON_CANONICAL) assert.equal(ed25519KeyProblem(Buffer.from(hex, 'hex')), 'non-canonical', hex);
    assert.equal(ed25519KeyProblem(Buffer.alloc(31)), 'wrong-length');
    for (let i = 0; i < 50; i++) {
      const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
      assert.equal(ed25519KeyProblem(raw), null);
    }
  });

  test('agrees with curve arithmetic on every listed point, real keys and random bytes', () => {
    for (const hex of [...SMALL_ORDER, ...NON_CANONICAL]) assert.equal(ed25519KeyProblem(Buffer.from(hex, 'hex')), oracle(Buffer.from(hex, 'hex')), hex);
    let onCurve = 0;
    for (let i = 0; i < 300; i++) {
      const raw = i % 2 ? generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12) : randomBytes(32);
      const o = oracle(raw);
      if (o === 'off-curve') continue; // off the curve: signature verification refuses it
      onCurve++;
      assert.equal(ed25519KeyProblem(raw), o, raw.toString('hex'));
    }
    assert.ok(onCurve > 150);
    // Every other y spelling of the torsion points (y + p where it still fits) is non-canonical to both.
    for (const hex of SMALL_ORDER) {
      const raw = Buffer.from(hex, 'hex');
      let y = 0n;
      for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? raw[i]! & 0x7f : raw[i]!);
      if (y + P >= 1n << 255n) continue;
      const alt = Buffer.alloc(32);
      let v = y + P;
      for (let i = 0; i < 32; i++) { alt[i] = Number(v & 0xffn); v >>= 8n; }
      alt[31]! |= raw[31]! & 0x80;
      assert.equal(ed25519KeyProblem(alt), 'non-canonical');
      assert.equal(oracle(alt), 'non-canonical');
    }
  });

  test('the danger is real: the identity key accepts (R = identity, S = 0) for any message', () => {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(SMALL_ORDER[0]!, 'hex')]), format: 'der', type: 'spki' });
    const forged = Buffer.concat([Buffer.from(SMALL_ORDER[0]!, 'hex'), Buffer.alloc(32)]);
    assert.equal(verify(null, Buffer.from('anything at all'), key, forged), true);
  });
});

describe('over a real socket', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(async () => { await h.stop(); });

  for (const [kind, list] of [['small-order', SMALL_ORDER], ['non-canonical', NON_CANONICAL]] as const) {
    test(`${kind} keys are refused before pairing, raw and PEM, with the gateway token or without`, async () => {
      const pairedBefore = h.gw.pairing.store.size();
      for (const hex of list) {
        const raw = Buffer.from(hex, 'hex');
        const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([SPKI_PREFIX, raw]).toString('base64')}\n-----END PUBLIC KEY-----\n`;
        for (const publicKey of [bytesToBase64Url(raw), pem]) {
          for (const token of [h.token, undefined]) {
            const { socket, res } = await connectDevice(h.url, createIdentity(), {
              ...(token ? { token } : {}), scopes: ['operator.admin'],
              tamper: (p, ch) => {
                // The forged signature that a small-order key "verifies" for any message.
                p.device = { id: createHash('sha256').update(raw).digest('hex'), publicKey, signature: bytesToBase64Url(Buffer.concat([Buffer.from(SMALL_ORDER[0]!, 'hex'), Buffer.alloc(32)])), signedAt: Date.now(), nonce: ch.nonce };
              },
            });
            assert.equal(res.ok, false, `${hex} ${publicKey.length}`);
            assert.equal(res.error!.details.code, 'DEVICE_AUTH_PUBLIC_KEY_INVALID', hex);
            assert.equal(res.error!.details.keyProblem, kind === 'small-order' ? 'small-order' : 'non-canonical', hex);
            assert.match(res.error!.message, /^device public key invalid: /);
            assert.equal((await socket.closed).code, 1008);
          }
        }
      }
      assert.equal(h.gw.pending().length, 0, 'no request reached the user');
      assert.equal(h.gw.pairing.store.size(), pairedBefore, 'nothing was paired');
      const ok = await connectDevice(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'] });
      assert.equal(ok.res.ok, true, 'a real key still pairs');
      ok.socket.close();
    });
  }
});
