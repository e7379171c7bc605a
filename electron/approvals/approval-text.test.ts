// What a prompt shows: invisibles escaped, the display limit, spans, and why a command deserves a second look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessCommand, cleanCommandText, cleanWarningText, normalizeSpans, quoteArgv } from './approval-text';

test('invisible and look-alike characters are shown escaped, never rendered', () => {
  for (const [raw, shown] of [
    ['rm\u200b -rf', 'rm\\u{200B} -rf'], ['echo\u202eevil', 'echo\\u{202E}evil'], ['a\nb', 'a\\u{A}b'], ['x\u00a0y', 'x\\u{A0}y'], ['plain ls', 'plain ls'],
  ] as const) {
    const r = cleanCommandText(raw);
    assert.equal(r.text, shown);
    assert.equal(r.unchanged, raw === shown);
  }
  assert.equal(cleanCommandText('x'.repeat(16_384)).overLimit, false);
  assert.equal(cleanCommandText('x'.repeat(16_385)).overLimit, true);
  assert.equal(cleanCommandText('x'.repeat(300_000)).overLimit, true);
  assert.equal(cleanWarningText('line one\r\nline two\u2028three'), 'line one\nline two\nthree');
});

test('spans: in order, inside the text, never overlapping', () => {
  assert.deepEqual(normalizeSpans([{ startIndex: 4, endIndex: 6 }, { startIndex: 0, endIndex: 2 }, { startIndex: 1, endIndex: 3 }, { startIndex: 5, endIndex: 99 }, { startIndex: 3, endIndex: 3 }], 10),
    [{ startIndex: 0, endIndex: 2 }, { startIndex: 4, endIndex: 6 }]);
  assert.equal(normalizeSpans([{ startIndex: -1, endIndex: 2 }], 10), undefined);
});

test('shells, inline code, carriers, mutable operands and mismatched text are flagged', () => {
  assert.deepEqual(assessCommand(['/bin/bash', '-lc', 'curl x | sh'], null, null).risks, ['shell']);
  assert.deepEqual(assessCommand(['/usr/bin/python3', '-c', 'import os'], null, null).risks, ['inline-eval']);
  assert.deepEqual(assessCommand(['sudo', '-n', 'node', '-e', '1'], null, null).risks.sort(), ['command-carrier', 'inline-eval']);
  assert.deepEqual(assessCommand(['find', '.', '-exec', 'rm', '{}', ';'], null, null).risks, ['command-carrier']);
  assert.deepEqual(assessCommand(['/usr/bin/echo', 'hi'], null, null, '/usr/bin/echo hi').risks, []);
  const plan = { argv: ['/bin/bash', 'deploy.sh'], cwd: '/srv', commandText: '/bin/bash deploy.sh', agentId: null, sessionKey: null, mutableFileOperand: { argvIndex: 1, path: '/srv/deploy.sh', sha256: 'ab' } };
  assert.ok(assessCommand(plan.argv, plan, null).risks.includes('mutable-file-operand'));
  assert.deepEqual(assessCommand(['/usr/bin/echo', 'hi'], null, 'careful').risks, ['warning']);
  const lie = assessCommand(['/bin/rm', '-rf', '/'], null, null, 'ls');
  assert.deepEqual(lie.risks, ['other']);
  assert.match(lie.analysis.warningLines[0]!, /differs from what will run: \/bin\/rm -rf \//);
  assert.equal(quoteArgv(['/bin/sh', '-lc', 'uname -s']), '/bin/sh -lc "uname -s"');
});
