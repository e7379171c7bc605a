// Which updater the app gets: none in development or when turned off; electron-updater's (here a stand-in with
// its shape) when packaged, with its log lines routed to ours.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { fake } from './fake-electron';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { createUpdates } = await import('./updates');

function standIn() {
  return {
    autoDownload: true, autoInstallOnAppQuit: false, logger: null as null | { info(m: unknown): void },
    on: () => {}, checkForUpdates: async () => null, downloadUpdate: async () => [], quitAndInstall: () => {},
  };
}

test('development build: off, with the reason', () => {
  const c = createUpdates({ log: () => {}, packaged: false, updater: standIn() });
  assert.deepEqual(c.status(), { phase: 'disabled', currentVersion: '0.0.0-test', message: 'Updates are off in development builds.' });
});

test('LOOPGATE_UPDATES=off turns a packaged build off', () => {
  const c = createUpdates({ log: () => {}, packaged: true, env: { LOOPGATE_UPDATES: 'off' }, updater: standIn() });
  assert.equal(c.status().phase, 'disabled');
  assert.match(c.status().message!, /LOOPGATE_UPDATES=off/);
});

test('packaged: the updater is driven (no auto download; install on quit) and logs into our log', () => {
  const u = standIn();
  const lines: string[] = [];
  const c = createUpdates({ log: (l) => lines.push(l), packaged: true, env: {}, updater: u });
  assert.equal(c.status().phase, 'idle');
  assert.equal(u.autoDownload, false, 'we check the offer before downloading');
  assert.equal(u.autoInstallOnAppQuit, true);
  u.logger!.info('Checking for update');
  assert.deepEqual(lines, ['updater: Checking for update']);
});
