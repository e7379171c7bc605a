import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayCommand, needsReviewInWindow, RISK_TEXT } from './exec-approval-display';
import type { ApprovalRisk } from './exec-approval-types';

test('hidden characters of every class become visible escapes, never vanish, and are counted', () => {
  const d = displayCommand('rm\u202e -rf\n/\u0000x\u200bq\u2066\ufeff\u0085');
  assert.equal(d.text, 'rm<U+202E> -rf\\n/<U+0000>x<U+200B>q<U+2066><U+FEFF><U+0085>');
  assert.equal(d.hiddenCount, 7);
  assert.ok(d.segments.filter((s) => s.kind === 'hidden').every((s) => s.text.startsWith('<') || s.text.startsWith('\\')));
  assert.equal(displayCommand('echo hi').hiddenCount, 0);
  assert.deepEqual(displayCommand('echo hi').segments, [{ text: 'echo hi', kind: 'plain' }]);
});

test('marked spans are highlighted; malformed or out-of-range spans are ignored', () => {
  const d = displayCommand('ls; rm -rf /', [{ startIndex: 4, endIndex: 12 }]);
  assert.deepEqual(d.segments, [{ text: 'ls; ', kind: 'plain' }, { text: 'rm -rf /', kind: 'marked' }]);
  const bad = [
    { startIndex: -5, endIndex: 2 }, { startIndex: 10, endIndex: 999 }, { startIndex: 1.5, endIndex: 3 },
    { startIndex: 5, endIndex: 2 }, null, { startIndex: 'a', endIndex: 'b' },
  ] as unknown as Array<{ startIndex: number; endIndex: number }>;
  const e = displayCommand('abcdefghijkl', bad);
  assert.equal(e.text, 'abcdefghijkl');
  assert.deepEqual(e.segments.map((s) => s.kind), ['marked', 'plain', 'marked']);
  assert.equal(displayCommand('abc', 'nope' as never).text, 'abc');
});

test('a command over the display limit is cut and says so; hidden characters past the cut still count', () => {
  const long = `${'a'.repeat(3000)}\u202e`;
  const d = displayCommand(long);
  assert.equal(d.truncated, true);
  assert.equal(d.text.length, 2001);
  assert.ok(d.text.endsWith('…'));
  assert.equal(d.hiddenCount, 1);
});

test('needs the window: any gateway risk mark, a warning, or a hidden character; a plain command does not', () => {
  const base = { risks: [] as ApprovalRisk[], warningText: null, warningLines: [] as string[], commandText: '/usr/bin/echo hi' };
  assert.equal(needsReviewInWindow(base), false);
  for (const risk of Object.keys(RISK_TEXT) as ApprovalRisk[]) assert.equal(needsReviewInWindow({ ...base, risks: [risk] }), true, risk);
  assert.equal(needsReviewInWindow({ ...base, warningText: 'Deletes files' }), true);
  assert.equal(needsReviewInWindow({ ...base, warningText: '   ' }), false);
  assert.equal(needsReviewInWindow({ ...base, warningLines: ['x'] }), true);
  assert.equal(needsReviewInWindow({ ...base, commandText: 'echo \u202eoff' }), true);
  assert.equal(needsReviewInWindow({ ...base, commandText: 'echo a\nb' }), true);
});
