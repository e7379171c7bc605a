import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadOrCreateGatewayToken, rotateGatewayToken } from './gateway-secret';
import { modeOf, tempDir } from './testdata/fixtures';

const posix = process.platform !== 'win32';

test('creates a 43-character token in a 0600 file inside a 0700 folder, and returns the same one after', async (t) => {
  const dir = path.join(await tempDir(t), 'home');
  const token = await loadOrCreateGatewayToken(dir);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  const file = path.join(dir, 'gateway-token');
  if (posix) {
    assert.equal(modeOf(await fsp.stat(dir)), 0o700);
    assert.equal(modeOf(await fsp.stat(file)), 0o600);
  }
  assert.equal((await fsp.readFile(file, 'utf8')).trim(), token);
  assert.equal(await loadOrCreateGatewayToken(dir), token);
});

test('concurrent first calls agree on one token', async (t) => {
  const dir = await tempDir(t);
  const tokens = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateGatewayToken(dir)));
  assert.equal(new Set(tokens).size, 1);
});

test('a looser existing file is tightened to 0600; an empty one is replaced', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'gateway-token');
  const kept = 'k'.repeat(43);
  await fsp.writeFile(file, `${kept}\n`, { mode: 0o644 });
  await fsp.chmod(file, 0o644);
  assert.equal(await loadOrCreateGatewayToken(dir), kept);
  if (posix) assert.equal(modeOf(await fsp.stat(file)), 0o600);
  await fsp.writeFile(file, '');
  const fresh = await loadOrCreateGatewayToken(dir);
  assert.match(fresh, /^[A-Za-z0-9_-]{43}$/);
  assert.equal((await fsp.readFile(file, 'utf8')).trim(), fresh);
});

test('rotate writes a new token (0600) that later loads return', async (t) => {
  const dir = await tempDir(t);
  const first = await loadOrCreateGatewayToken(dir);
  const second = await rotateGatewayToken(dir);
  assert.notEqual(second, first);
  assert.equal(await loadOrCreateGatewayToken(dir), second);
  if (posix) assert.equal(modeOf(await fsp.stat(path.join(dir, 'gateway-token'))), 0o600);
  assert.deepEqual((await fsp.readdir(dir)).sort(), ['gateway-token']);
});
