import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToken, newToken, tokenMatches } from './token-hash';

test('newToken: 43 base64url characters, no padding, unique', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const t = newToken();
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    seen.add(t);
  }
  assert.equal(seen.size, 200);
});

test('hashToken: lower-case hex SHA-256 of the UTF-8 bytes', () => {
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hashToken('é'), hashToken('\u00e9'));
  assert.notEqual(hashToken('é'), hashToken('e\u0301')); // no normalisation: bytes are what count
});

test('tokenMatches: the token matches its hash, anything else does not', () => {
  const token = newToken();
  const hash = hashToken(token);
  assert.equal(tokenMatches(token, hash), true);
  assert.equal(tokenMatches(token, hash.toUpperCase()), true);
  assert.equal(tokenMatches(`${token}x`, hash), false);
  assert.equal(tokenMatches(token.slice(0, -1), hash), false);
  assert.equal(tokenMatches('', hash), false);
  assert.equal(tokenMatches(hash, hash), false); // presenting the stored hash is not the token
});

test('tokenMatches never throws on odd input: multibyte, lone surrogates, bad hashes, non-strings', () => {
  const multibyte = 'токен-😀-トークン';
  assert.equal(tokenMatches(multibyte, hashToken(multibyte)), true);
  assert.equal(tokenMatches('😀', hashToken('x')), false);
  assert.equal(tokenMatches('\ud800', hashToken('x')), false);
  assert.equal(tokenMatches('\ud800', hashToken('\ud800')), true);
  assert.equal(tokenMatches('a'.repeat(100_000), hashToken('x')), false);
  for (const badHash of ['', 'abc', 'z'.repeat(64), `${hashToken('x')}00`, 'é'.repeat(32)]) {
    assert.equal(tokenMatches('x', badHash), false);
  }
  assert.equal(tokenMatches(undefined as unknown as string, hashToken('x')), false);
  assert.equal(tokenMatches('x', null as unknown as string), false);
});
