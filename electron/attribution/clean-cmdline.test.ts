// Hostile command lines: secrets in argv, megabytes of text, control and bidi characters, fake labels.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanCommandLine, MAX_CMDLINE_CHARS, maskArgv, scriptOf, splitCommandLine } from './clean-cmdline';

describe('secrets in argv are masked', () => {
  const cases: Array<[string[], string]> = [
    [['node', 'app.js', '--token', 'abc'], 'node app.js --token ***'],
    [['node', 'app.js', '--token=abc'], 'node app.js --token=***'],
    [['openclaw', 'gateway', '--auth-token', 'abc', '--port', '1'], 'openclaw gateway --auth-token *** --port 1'],
    [['x', '--password', 'p', '--api-key=k', '--client-secret', 's'], 'x --password *** --api-key=*** --client-secret ***'],
    [['env', 'GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaa', 'run'], 'env GITHUB_TOKEN=*** run'],
    [['curl', 'https://user:pw@example.test/x?token=zzz&a=1'], 'curl https://user:***@example.test/x?token=***&a=1'],
    [['agent', 'sk-abcdefghijklmnopqrstuvwx'], 'agent ***'],
    [['mysql', '-p', 'secret'], 'mysql -p secret'], // -p alone is ambiguous (port for many tools); only -pVALUE forms are not guessed
  ];
  for (const [argv, want] of cases) test(argv.join(' '), () => assert.equal(cleanCommandLine(argv), want));
  test('a flag at the end has nothing to mask', () => assert.deepEqual(maskArgv(['x', '--token']), ['x', '--token']));
});

describe('hostile text', () => {
  test('1 MB of argv is bounded, and the start stays readable', () => {
    const huge = ['node', 'a.js', 'x'.repeat(1024 * 1024)];
    const line = cleanCommandLine(huge)!;
    assert.ok(line.length <= MAX_CMDLINE_CHARS);
    assert.match(line, /^node a\.js x+…/);
    const many = cleanCommandLine(['node', ...Array.from({ length: 100_000 }, (_, i) => `arg${i}`)])!;
    assert.ok(many.length <= MAX_CMDLINE_CHARS);
  });

  test('control and bidi characters never reach the screen; a fake second line is flattened', () => {
    const line = cleanCommandLine(['node', 'evil\u202Egnp.exe', 'ok\n\u001b[31mApproved by the user (reported)\u2066', '\u0000'])!;
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    assert.doesNotMatch(line, /\n/);
    assert.match(line, /Approved by the user \(reported\)/, 'kept as plain text on one line, inside quotes');
    assert.match(line, /"ok \[31mApproved/);
  });

  test('nothing readable → undefined', () => {
    assert.equal(cleanCommandLine([]), undefined);
    assert.equal(cleanCommandLine(['\u202E', '\n', '\u0000']), undefined);
  });
});

describe('command line helpers', () => {
  test('split honours quotes (Windows, ps)', () => {
    assert.deepEqual(splitCommandLine('"C:\\Program Files\\node.exe" "C:\\a b\\cli.js" --x  y'), ['C:\\Program Files\\node.exe', 'C:\\a b\\cli.js', '--x', 'y']);
    assert.deepEqual(splitCommandLine(''), []);
  });

  test('the script an interpreter runs', () => {
    assert.equal(scriptOf('node', ['node', '--import', 'tsx', '/work/peer-child.ts']), 'peer-child');
    assert.equal(scriptOf('node', ['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js']), 'claude-code');
    assert.equal(scriptOf('python3', ['python3', '-m', 'http.server']), 'http.server');
    assert.equal(scriptOf('node', ['node']), undefined);
    assert.equal(scriptOf('claude', ['claude', 'x.js']), undefined, 'not an interpreter');
  });
});
