// The log file on real files in a temp folder: lines, rotation, permissions, redaction, and a disk that fails.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { newToken } from '../pairing/token-hash';
import { Redactor } from './redact';
import { logsDir, RotatingLog } from './rotating-log';

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-log-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(tmp, `case-${++n}`, 'logs');

test('writes timestamped lines into <home>/logs/<name>.log; folder 0700, file 0600', { skip: process.platform === 'win32' }, () => {
  assert.equal(logsDir('/data/Loopgate'), join('/data/Loopgate', 'logs'));
  const dir = fresh();
  const log = new RotatingLog(dir, { name: 'app', now: () => new Date('2026-12-02T01:02:03.000Z') });
  log.write('gateway listening on ws://127.0.0.1:18789');
  log.write('could not reach the update server', 'warn');
  assert.equal(readFileSync(join(dir, 'app.log'), 'utf8'),
    '2026-12-02T01:02:03.000Z info  gateway listening on ws://127.0.0.1:18789\n2026-12-02T01:02:03.000Z warn  could not reach the update server\n');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(log.file).mode & 0o777, 0o600);
});

test('a multi-line message stays one entry (continuation lines are indented)', () => {
  const log = new RotatingLog(fresh(), { name: 'app' });
  log.write('failed:\nError: boom\n    at x');
  const lines = readFileSync(log.file, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^\S+ info {2}failed:$/);
  assert.ok(lines.slice(1).every((l) => l.startsWith('    ')));
});

test('rotates by size, keeps N generations, and continues an existing file after a restart', () => {
  const dir = fresh();
  const opts = { name: 'gateway', maxBytes: 1024, keep: 2 };
  let log = new RotatingLog(dir, opts);
  const line = 'some words '.repeat(20);
  for (let i = 0; i < 4; i++) log.write(`${i} ${line}`);
  const size = statSync(log.file).size;
  // A new process (restart) appends to the same file and counts its size.
  log = new RotatingLog(dir, opts);
  for (let i = 4; i < 20; i++) log.write(`${i} ${line}`);
  assert.ok(size > 0);
  for (const f of [log.file, `${log.file}.1`, `${log.file}.2`]) {
    assert.ok(existsSync(f), f);
    assert.ok(statSync(f).size <= 1024, `${f} within the limit`);
  }
  assert.ok(!existsSync(`${log.file}.3`), 'only `keep` rotated files');
  const all = [`${log.file}.2`, `${log.file}.1`, log.file].map((f) => readFileSync(f, 'utf8')).join('');
  const numbers = all.trimEnd().split('\n').map((l) => Number(/^\S+ info {2}(\d+) /.exec(l)?.[1]));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'oldest generation first, in order');
  assert.equal(numbers.at(-1), 19);
});

test('a folder it cannot write: one clear report, no throw, the caller keeps running', { skip: process.platform === 'win32' || process.getuid?.() === 0 }, () => {
  const dir = fresh();
  new RotatingLog(dir, { name: 'app' });
  chmodSync(dir, 0o500);
  const errors: string[] = [];
  const log = new RotatingLog(dir, { name: 'app', onError: (m) => errors.push(m) });
  log.write('one');
  log.write('two');
  chmodSync(dir, 0o700);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /cannot write the log/);
});

test('a log path that is taken by a file: reported once, never thrown', () => {
  const base = join(tmp, `case-${++n}`);
  writeFileSync(base, 'not a folder');
  const errors: string[] = [];
  const log = new RotatingLog(join(base, 'logs'), { name: 'app', onError: (m) => errors.push(m) });
  assert.doesNotThrow(() => log.write('hello'));
  log.write('again');
  assert.equal(errors.length, 1);
});

test('invalid log names are refused (no path tricks)', () => {
  for (const name of ['../x', 'A', '', 'a/b', 'a.log']) assert.throws(() => new RotatingLog(fresh(), { name }));
});

test('redaction: registered secrets, URL fragments, key=value secrets and any token-shaped value', () => {
  const r = new Redactor();
  const gatewayToken = newToken();
  const deviceToken = newToken();
  const link = newToken();
  r.addSecret(gatewayToken);
  r.addSecret('short'); // ignored: too short to be a secret, too common to scrub
  const deviceId = 'a'.repeat(64);
  const cases: Array<[string, string[]]> = [
    [`token ${gatewayToken} leaked`, [gatewayToken]],
    [`dashboard http://127.0.0.1:18789/#${link}`, [link]],
    [`{"deviceToken":"${deviceToken}","role":"operator"}`, [deviceToken]],
    [`auth token=${deviceToken.slice(0, 20)} credential: abc123`, [deviceToken.slice(0, 20), 'abc123']],
    [`rotated ${deviceToken} for device ${deviceId}`, [deviceToken]],
    [`Authorization: Bearer-${link}`, [link]],
  ];
  for (const [input, secrets] of cases) {
    const out = r.redact(input);
    for (const s of secrets) assert.ok(!out.includes(s), `${out} still holds ${s}`);
    assert.match(out, /\[redacted\]/);
  }
  // What the log needs stays: ids (hex), addresses, words.
  const plain = `pairing request r-1: device ${deviceId} asks for operator (not-paired, remote 10.0.0.2) short`;
  assert.equal(r.redact(plain), plain);
});

test('the log file never holds a registered or token-shaped secret', () => {
  const log = new RotatingLog(fresh(), { name: 'app' });
  const secret = newToken();
  log.redactor.addSecret(secret);
  log.write(`oops ${secret}`);
  log.write(`another ${newToken()}`);
  const text = readFileSync(log.file, 'utf8');
  assert.ok(!text.includes(secret));
  assert.equal(text.match(/\[redacted\]/g)?.length, 2);
});
