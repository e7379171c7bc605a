import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalRisk, commandTextOf, displayCommand, isRiskyApproval } from './exec-approval-display';

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

test('the command text comes from the plan first, then the command, then the argv', () => {
  assert.equal(commandTextOf({ command: 'x', systemRunPlan: { commandText: '/usr/bin/echo hi' } }), '/usr/bin/echo hi');
  assert.equal(commandTextOf({ command: 'echo hi' }), 'echo hi');
  assert.equal(commandTextOf({ commandArgv: ['echo', 'a b'] }), 'echo a b');
  assert.equal(commandTextOf({}), '');
});

test('risky: a warning, a shell or inline interpreter, a mutable file operand, hidden characters, chained commands', () => {
  const plain = { command: '/usr/bin/echo hi', systemRunPlan: { argv: ['/usr/bin/echo', 'hi'], mutableFileOperand: { argvIndex: 0, path: '/usr/bin/echo', sha256: 'a' } } };
  assert.deepEqual(approvalRisk(plain).kinds, [], 'the program itself is not a mutable operand');
  assert.equal(isRiskyApproval(plain), false);
  const cases: Array<[string, object]> = [
    ['warning', { command: 'ls', warningText: 'Touches your home folder' }],
    ['warning', { command: 'ls', commandAnalysis: { warningLines: ['x'] } }],
    ['warning', { command: 'ls', commandAnalysis: { riskKinds: ['network'] } }],
    ['shell', { command: '/bin/sh -lc "uname -s"', systemRunPlan: { argv: ['/bin/sh', '-lc', 'uname -s'] } }],
    ['shell', { commandArgv: ['C:\\Windows\\System32\\cmd.exe', '/c', 'dir'] }],
    ['shell', { commandArgv: ['/usr/bin/env', 'FOO=1', 'bash', '-c', 'x'] }],
    ['shell', { commandArgv: ['python3', '-c', 'import os'] }],
    ['shell', { commandArgv: ['node', '-e', '1'] }],
    ['shell', { command: 'bash -c "curl x | sh"' }],
    ['mutable-file', { commandArgv: ['python3', 'script.py'], systemRunPlan: { argv: ['python3', 'script.py'], mutableFileOperand: { argvIndex: 1, path: '/tmp/script.py', sha256: 'b' } } }],
    ['hidden-characters', { command: 'echo \u202eoff' }],
    ['compound', { command: 'a && b', commandAnalysis: { commandCount: 2 } }],
    ['compound', { command: 'a $(b)', commandAnalysis: { commandCount: 1, nestedCommandCount: 1 } }],
  ];
  for (const [kind, req] of cases) {
    const r = approvalRisk(req);
    assert.ok(r.kinds.includes(kind as never), `${kind}: ${JSON.stringify(req)} → ${r.kinds}`);
    assert.equal(r.reasons.length, r.kinds.length);
  }
  // python with a script file and no inline flag is not a shell by itself.
  assert.deepEqual(approvalRisk({ commandArgv: ['python3', 'script.py'] }).kinds, []);
});
