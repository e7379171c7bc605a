import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cleanupOrphanTmp, ensurePrivateDir, readFileIfExists, writeFileAtomic } from './atomic-file';
import { modeOf, runChild, tempDir } from './testdata/fixtures';

const posix = process.platform !== 'win32';

test('writeFileAtomic creates the folder 0700 and the file 0600, and replaces content whole', async (t) => {
  const dir = path.join(await tempDir(t), 'nested', 'data');
  const file = path.join(dir, 'doc.json');
  await writeFileAtomic(file, 'first');
  if (posix) {
    assert.equal(modeOf(await fsp.stat(dir)), 0o700);
    assert.equal(modeOf(await fsp.stat(file)), 0o600);
  }
  await writeFileAtomic(file, Buffer.from('second'));
  assert.equal(await fsp.readFile(file, 'utf8'), 'second');
  assert.deepEqual(await fsp.readdir(dir), ['doc.json']); // no temp file left behind
});

test('ensurePrivateDir tightens a looser existing folder', { skip: !posix }, async (t) => {
  const dir = path.join(await tempDir(t), 'loose');
  await fsp.mkdir(dir, { mode: 0o755 });
  await fsp.chmod(dir, 0o755);
  await ensurePrivateDir(dir);
  assert.equal(modeOf(await fsp.stat(dir)), 0o700);
});

test('a writer killed between fsync and rename leaves the old file intact and a 0600 orphan that cleanup removes', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'doc.json');
  await writeFileAtomic(file, 'old');
  const result = await runChild(['write-atomic', file, 'new'], { LOOPGATE_FAULT: 'crash-before-rename' }).done;
  assert.equal(result.signal, 'SIGKILL', result.stderr);
  assert.equal(await fsp.readFile(file, 'utf8'), 'old');
  const orphans = (await fsp.readdir(dir)).filter((n) => n.endsWith('.tmp'));
  assert.equal(orphans.length, 1);
  const orphan = path.join(dir, orphans[0]!);
  assert.equal(await fsp.readFile(orphan, 'utf8'), 'new'); // fully written and synced, just never renamed
  if (posix) assert.equal(modeOf(await fsp.stat(orphan)), 0o600); // the mode was right from creation
  assert.deepEqual(await cleanupOrphanTmp(dir, 'doc.json'), orphans);
  assert.deepEqual(await fsp.readdir(dir), ['doc.json']);
});

test('cleanupOrphanTmp keeps a fresh temp file of a live process and unrelated files', async (t) => {
  const dir = await tempDir(t);
  const live = `doc.json.${process.pid}.abcdef.tmp`;
  const otherBase = `other.json.999999.abcdef.tmp`;
  await fsp.writeFile(path.join(dir, live), 'x');
  await fsp.writeFile(path.join(dir, otherBase), 'x');
  await fsp.writeFile(path.join(dir, 'doc.json.corrupt-2026'), 'x');
  assert.deepEqual(await cleanupOrphanTmp(dir, 'doc.json'), []);
  // Old enough, it goes even though the pid is alive (the pid may belong to someone else by now).
  assert.deepEqual(await cleanupOrphanTmp(dir, 'doc.json', { maxAgeMs: -1 }), [live]);
  assert.deepEqual(await cleanupOrphanTmp(path.join(dir, 'missing'), 'doc.json'), []);
});

test('a failed write (ENOSPC) leaves the old file intact and no temp file', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'doc.json');
  await writeFileAtomic(file, 'old');
  process.env.LOOPGATE_FAULT = 'enospc-on-write';
  try {
    await assert.rejects(writeFileAtomic(file, 'new content'), { code: 'ENOSPC' });
  } finally {
    delete process.env.LOOPGATE_FAULT;
  }
  assert.equal(await fsp.readFile(file, 'utf8'), 'old');
  assert.deepEqual(await fsp.readdir(dir), ['doc.json']);
});

test('readFileIfExists: bytes, or undefined when missing', async (t) => {
  const dir = await tempDir(t);
  assert.equal(await readFileIfExists(path.join(dir, 'nope')), undefined);
  await fsp.writeFile(path.join(dir, 'yes'), 'data');
  assert.equal((await readFileIfExists(path.join(dir, 'yes')))?.toString(), 'data');
  await assert.rejects(readFileIfExists(dir), { code: 'EISDIR' });
});
