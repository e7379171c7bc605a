import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AuditEntry } from '../../shared/pairing-types';
import { AuditLog } from './audit-log';
import { modeOf, tempDir } from './testdata/fixtures';

const entry = (ts: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  ts, deviceId: `dev-${ts}`, reason: 'not-paired', decision: 'approved', by: 'owner', silent: false, role: 'operator', scopes: ['operator.read'], ...extra,
});

test('appends JSON lines to a 0600 file; recent() is newest first with limit and before', async (t) => {
  const dir = await tempDir(t);
  const log = await AuditLog.open(dir);
  const seen: AuditEntry[] = [];
  log.onAppend((e) => seen.push(e));
  for (let i = 1; i <= 10; i++) void log.append(entry(i));
  assert.equal(seen.length, 10); // listeners and recent() see entries at once
  assert.deepEqual(log.recent(3).map((e) => e.ts), [10, 9, 8]);
  assert.deepEqual(log.recent(3, 5).map((e) => e.ts), [4, 3, 2]);
  assert.deepEqual(log.recent().length, 10);
  await log.close();
  const file = path.join(dir, 'audit.jsonl');
  if (process.platform !== 'win32') assert.equal(modeOf(await fsp.stat(file)), 0o600);
  const lines = (await fsp.readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AuditEntry);
  assert.deepEqual(lines.map((e) => e.ts), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(lines[0], entry(1));
});

test('only known fields are written (a stray secret on the entry object never reaches the file)', async (t) => {
  const dir = await tempDir(t);
  const log = await AuditLog.open(dir);
  await log.append({ ...entry(1), token: 'SECRET-TOKEN' } as AuditEntry);
  await log.close();
  assert.equal((await fsp.readFile(path.join(dir, 'audit.jsonl'), 'utf8')).includes('SECRET-TOKEN'), false);
});

test('rotates by size, keeps N files, and reopening loads the newest entries across files in order', async (t) => {
  const dir = await tempDir(t);
  const lineBytes = Buffer.byteLength(`${JSON.stringify(entry(100))}\n`);
  const log = await AuditLog.open(dir, { maxBytes: lineBytes * 10, keep: 2 });
  for (let i = 100; i < 150; i++) void log.append(entry(i));
  await log.close();
  const names = (await fsp.readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
  assert.deepEqual(names, ['audit.1.jsonl', 'audit.2.jsonl', 'audit.jsonl']);
  for (const n of names) {
    const st = await fsp.stat(path.join(dir, n));
    assert.ok(st.size <= lineBytes * 10, `${n} is ${st.size} bytes`);
    if (process.platform !== 'win32') assert.equal(modeOf(st), 0o600);
  }
  const read = async (n: string) => (await fsp.readFile(path.join(dir, n), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).ts);
  assert.deepEqual(await read('audit.jsonl'), [140, 141, 142, 143, 144, 145, 146, 147, 148, 149]);
  assert.deepEqual(await read('audit.1.jsonl'), [130, 131, 132, 133, 134, 135, 136, 137, 138, 139]);
  assert.deepEqual(await read('audit.2.jsonl'), [120, 121, 122, 123, 124, 125, 126, 127, 128, 129]);

  const reopened = await AuditLog.open(dir, { maxBytes: lineBytes * 10, keep: 2 });
  assert.deepEqual(reopened.recent(1000).map((e) => e.ts), Array.from({ length: 30 }, (_, i) => 149 - i));
  await reopened.close();
  const limited = await AuditLog.open(dir, { maxBytes: lineBytes * 10, keep: 2, memoryLimit: 15 });
  assert.deepEqual(limited.recent(1000).map((e) => e.ts), Array.from({ length: 15 }, (_, i) => 149 - i));
  await limited.close();
});

test('unparseable lines are skipped at open, and appends continue after them', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'audit.jsonl');
  await fsp.writeFile(file, `${JSON.stringify(entry(1))}\nnot json\n{"ts":"x"}\n${JSON.stringify(entry(2))}\n{"ts":3,"deviceId":"tor`, { mode: 0o600 });
  const log = await AuditLog.open(dir);
  assert.deepEqual(log.recent().map((e) => e.ts), [2, 1]);
  await log.append(entry(4));
  await log.close();
  const again = await AuditLog.open(dir);
  assert.deepEqual(again.recent().map((e) => e.ts), [4, 2, 1]); // entry 4 did not land on the torn line
  await again.close();
});

test('loads only the tail of a large file and keeps at most memoryLimit entries in memory', async (t) => {
  const dir = await tempDir(t);
  const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify(entry(i))).join('\n');
  await fsp.writeFile(path.join(dir, 'audit.jsonl'), `${lines}\n`, { mode: 0o600 });
  const log = await AuditLog.open(dir, { memoryLimit: 5000 });
  const recent = log.recent(10_000);
  assert.equal(recent.length, 5000);
  assert.equal(recent[0]!.ts, 19_999);
  assert.equal(recent.at(-1)!.ts, 15_000);
  for (let i = 0; i < 2000; i++) void log.append(entry(20_000 + i));
  assert.equal(log.recent(10_000).length, 5000);
  assert.equal(log.recent(1)[0]!.ts, 21_999);
  await log.close();
});

test('a write failure is reported to onError and append never rejects', async (t) => {
  const dir = await tempDir(t);
  const log = await AuditLog.open(dir);
  const errors: Error[] = [];
  log.onError((e) => errors.push(e));
  // Replace audit.jsonl with a folder: the log follows the path, and reopening it for append fails.
  await fsp.rm(path.join(dir, 'audit.jsonl'));
  await fsp.mkdir(path.join(dir, 'audit.jsonl'));
  await log.append(entry(1));
  assert.equal(errors.length, 1);
  assert.equal(log.recent()[0]!.ts, 1);
  await log.close();
});
