import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { DocumentError, decodeJsonDocument, latestQuarantine, quarantineFile, readJsonDocument, writeJsonDocument, type MigrateFn } from './json-file-store';
import { modeOf, tempDir } from './testdata/fixtures';

const posix = process.platform !== 'win32';
const Doc = z.object({ version: z.literal(2), name: z.string() });

/** v1 was `{ title }`; anything above 2 is from the future. */
const migrateDoc: MigrateFn = (raw) => {
  const r = raw as { version?: number; title?: string };
  if ((r.version ?? 1) > 2) throw new DocumentError('DOC_TOO_NEW', 'newer');
  return r.version === undefined ? { value: { version: 2, name: r.title }, fromVersion: 1, toVersion: 2 } : { value: raw, fromVersion: 2, toVersion: 2 };
};

test('missing file: ok with no value; written documents are 0600 and read back', async (t) => {
  const file = path.join(await tempDir(t), 'doc.json');
  assert.deepEqual(await readJsonDocument(file, Doc), { ok: true, value: undefined });
  await writeJsonDocument(file, { version: 2, name: 'x' });
  if (posix) assert.equal(modeOf(await fsp.stat(file)), 0o600);
  assert.deepEqual(await readJsonDocument(file, Doc), { ok: true, value: { version: 2, name: 'x' } });
});

test('corrupt content is moved aside byte for byte, and the missing file then stays "quarantined"', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'doc.json');
  for (const bytes of ['', '{"version":2,"na', 'not json', '[]', 'null', '{"version":2}', '\xff\xfe{}']) {
    await fsp.writeFile(file, Buffer.from(bytes, 'latin1'));
    const res = await readJsonDocument(file, Doc, undefined, { now: () => Date.UTC(2026, 2, 1, 12, 0, 0) });
    assert.equal(res.ok, false, bytes);
    assert.ok(!res.ok && res.code === 'DOC_CORRUPT' && res.quarantinedTo, bytes);
    assert.deepEqual(await fsp.readFile(res.quarantinedTo), Buffer.from(bytes, 'latin1'));
    assert.equal(existsSync(file), false);
  }
  const names = (await fsp.readdir(dir)).sort();
  assert.equal(names.length, 7); // same timestamp: unique suffixes, no copy overwritten
  assert.equal(names[0], 'doc.json.corrupt-2026-03-01T12-00-00-000Z');
  const again = await readJsonDocument(file, Doc);
  assert.ok(!again.ok && again.code === 'DOC_QUARANTINED');
  assert.equal(again.ok ? undefined : again.quarantinedTo, await latestQuarantine(file));
});

test('a "__proto__" key is corrupt rather than silently dropped', () => {
  const Rec = z.record(z.string(), z.number());
  assert.throws(() => decodeJsonDocument(Buffer.from('{"__proto__": 1, "a": 2}'), Rec), { code: 'DOC_CORRUPT' });
  assert.deepEqual(decodeJsonDocument(Buffer.from('\uFEFF{"a": 2}'), Rec), { value: { a: 2 } });
});

test('a document from a newer version is refused and left in place untouched', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'doc.json');
  await fsp.writeFile(file, '{"version":3,"name":"future"}', { mode: 0o600 });
  const res = await readJsonDocument(file, Doc, migrateDoc);
  assert.ok(!res.ok && res.code === 'DOC_TOO_NEW' && res.quarantinedTo === undefined);
  assert.equal(await fsp.readFile(file, 'utf8'), '{"version":3,"name":"future"}');
  assert.deepEqual(await fsp.readdir(dir), ['doc.json']);
});

test('a group/world-writable document is not trusted and not moved', { skip: !posix }, async (t) => {
  const file = path.join(await tempDir(t), 'doc.json');
  await fsp.writeFile(file, '{"version":2,"name":"x"}');
  await fsp.chmod(file, 0o666);
  const res = await readJsonDocument(file, Doc);
  assert.ok(!res.ok && res.code === 'DOC_UNSAFE' && /writable by group or others \(mode 0666\)/.test(res.error));
  await fsp.chmod(file, 0o644); // readable by others is not a trust problem for the content
  assert.equal((await readJsonDocument(file, Doc)).ok, true);
});

test('migration keeps the original as .v1-backup (0600) and rewrites the document', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'doc.json');
  await fsp.writeFile(file, '{"title":"old"}');
  const res = await readJsonDocument(file, Doc, migrateDoc);
  assert.deepEqual(res, { ok: true, value: { version: 2, name: 'old' }, migratedFrom: 1, backupPath: `${file}.v1-backup` });
  assert.equal(await fsp.readFile(`${file}.v1-backup`, 'utf8'), '{"title":"old"}');
  if (posix) assert.equal(modeOf(await fsp.stat(`${file}.v1-backup`)), 0o600);
  assert.deepEqual(JSON.parse(await fsp.readFile(file, 'utf8')), { version: 2, name: 'old' });
  // A different v1 file later never overwrites the first backup.
  await fsp.writeFile(file, '{"title":"other"}');
  const second = await readJsonDocument(file, Doc, migrateDoc, { now: () => 0 });
  assert.ok(second.ok && second.backupPath === `${file}.v1-backup-1970-01-01T00-00-00-000Z`);
  assert.equal(await fsp.readFile(`${file}.v1-backup`, 'utf8'), '{"title":"old"}');
});

test('quarantineFile never overwrites an earlier copy', async (t) => {
  const file = path.join(await tempDir(t), 'doc.json');
  await fsp.writeFile(file, 'a');
  const first = await quarantineFile(file, 0);
  await fsp.writeFile(file, 'b');
  const second = await quarantineFile(file, 0);
  assert.notEqual(first, second);
  assert.equal(await fsp.readFile(first, 'utf8'), 'a');
  assert.equal(await fsp.readFile(second, 'utf8'), 'b');
});
