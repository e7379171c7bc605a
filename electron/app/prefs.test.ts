// prefs.ts over the real electron-store (electron mocked so app.getPath points at a temp folder).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { fake } from './fake-electron';
import { defaultPrefs } from './prefs-migrations';

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-prefs-'));
fake.app.paths.userData = join(tmp, 'userData');
mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { openPrefs, PREFS_NAME } = await import('./prefs');
after(() => rmSync(tmp, { recursive: true, force: true }));

const dirFor = (name: string) => join(tmp, name);
const fileIn = (dir: string) => join(dir, `${PREFS_NAME}.json`);

test('a fresh folder gets a versioned document with defaults, mode 0600', () => {
  const dir = dirFor('fresh');
  const prefs = openPrefs(dir);
  assert.deepEqual(prefs.get(), defaultPrefs());
  assert.deepEqual(JSON.parse(readFileSync(fileIn(dir), 'utf8')), defaultPrefs());
  if (process.platform !== 'win32') assert.equal(statSync(fileIn(dir)).mode & 0o777, 0o600);
});

test("electron-store's renderer IPC channel is not left open", () => {
  openPrefs(dirFor('ipc'));
  assert.equal(fake.ipcMainListeners.has('electron-store-get-data'), false);
});

test('changes persist across reopen', () => {
  const dir = dirFor('persist');
  const a = openPrefs(dir);
  a.setWindow({ bounds: { x: 1, y: 2, width: 1000, height: 700 }, maximized: true });
  a.setNotifications({ enabled: false, sound: false });
  a.setGateway({ mode: 'attach', url: 'ws://127.0.0.1:18789' });
  const b = openPrefs(dir);
  assert.deepEqual(b.get(), { version: 2, window: { bounds: { x: 1, y: 2, width: 1000, height: 700 }, maximized: true }, notifications: { enabled: false, sound: false }, gateway: { mode: 'attach', url: 'ws://127.0.0.1:18789' }, startAtLogin: { asked: false } });
});

test('a v0 file is upgraded on open and written back in the current version', () => {
  const dir = dirFor('v0');
  openPrefs(dir); // create the folder
  writeFileSync(fileIn(dir), JSON.stringify({ windowBounds: { width: 900, height: 650 }, notificationSound: false }));
  const prefs = openPrefs(dir);
  assert.deepEqual(prefs.get(), { version: 2, window: { bounds: { width: 900, height: 650 }, maximized: false }, notifications: { enabled: true, sound: false }, gateway: { mode: 'own' }, startAtLogin: { asked: false } });
  assert.equal(JSON.parse(readFileSync(fileIn(dir), 'utf8')).version, 2);
});

test('a corrupt file is moved aside, not silently wiped', () => {
  const dir = dirFor('corrupt');
  openPrefs(dir);
  writeFileSync(fileIn(dir), '{ not json');
  const lines: string[] = [];
  const prefs = openPrefs(dir, (l) => lines.push(l));
  assert.deepEqual(prefs.get(), defaultPrefs());
  const aside = readdirSync(dir).filter((f) => f.startsWith(`${PREFS_NAME}.json.corrupt-`));
  assert.equal(aside.length, 1);
  assert.equal(readFileSync(join(dir, aside[0]!), 'utf8'), '{ not json');
  assert.match(lines.join('\n'), /moved to/);
});

test('a file from a newer Loopgate is read but never overwritten', () => {
  const dir = dirFor('newer');
  openPrefs(dir);
  const newer = JSON.stringify({ version: 9, notifications: { enabled: false, sound: true }, future: true });
  writeFileSync(fileIn(dir), newer);
  const prefs = openPrefs(dir);
  assert.equal(prefs.get().notifications.enabled, false);
  prefs.setNotifications({ enabled: true, sound: true });
  assert.equal(prefs.get().notifications.enabled, true);
  assert.equal(readFileSync(fileIn(dir), 'utf8'), newer);
  assert.ok(existsSync(fileIn(dir)));
});
