import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanReported } from './reported-text';

test('reported text loses line breaks, controls and bidi overrides, and is bounded', () => {
  assert.equal(cleanReported('laptop\nFrom: local (127.0.0.1)'), 'laptop From: local (127.0.0.1)');
  assert.equal(cleanReported('\u202eetomer'), 'etomer');
  assert.equal(cleanReported('  a \t b  '), 'a b');
  assert.equal(cleanReported('\u0000\u0007'), undefined);
  assert.equal(cleanReported('x'.repeat(300))!.length, 128);
  assert.equal(cleanReported(undefined), undefined);
});
