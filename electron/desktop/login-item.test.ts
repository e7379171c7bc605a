// The start-at-login controller over the real Linux backend (files in a temp HOME): off until turned on, the
// first-run answer remembered, changes made by hand seen on the next read, failures returned as a problem.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { LoginItemState } from '../../shared/ipc-contract';
import { autostartFile, linuxAutostartBackend } from './autostart-linux';
import { LoginItemController } from './login-item';

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-login-item-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function setup() {
  const ctx = { env: {}, homedir: join(tmp, `home-${++n}`), execPath: '/opt/Loopgate/loopgate' };
  mkdirSync(ctx.homedir, { recursive: true });
  let asked = false;
  const lines: string[] = [];
  const seen: LoginItemState[] = [];
  const c = new LoginItemController({ backend: linuxAutostartBackend(ctx), asked: { get: () => asked, set: (v) => { asked = v; } }, log: (l) => lines.push(l) });
  c.onChange((s) => seen.push(s));
  return { ctx, c, lines, seen, file: autostartFile(ctx) };
}

test('off and not yet asked on a fresh account', async () => {
  const { c, file } = setup();
  assert.deepEqual(await c.get(), { enabled: false, supported: true, asked: false, location: file });
});

test('turning it on answers the first-run question, writes the entry, logs, and notifies every view', async () => {
  const { c, lines, seen, file } = setup();
  const on = await c.set(true);
  assert.deepEqual(on, { enabled: true, supported: true, asked: true, location: file });
  assert.deepEqual(c.peek(), on);
  assert.deepEqual(seen.at(-1), on);
  assert.deepEqual(lines, ['start at login turned on']);
  // "Not now" also counts as answered.
  const { c: c2 } = setup();
  assert.deepEqual(await c2.set(false), { enabled: false, supported: true, asked: true, location: autostartFile({ env: {}, homedir: join(tmp, `home-${n}`) }) });
});

test('an entry removed by hand shows off at the next read, and listeners hear it', async () => {
  const { c, seen, file } = setup();
  await c.set(true);
  rmSync(file);
  const state = await c.get();
  assert.equal(state.enabled, false);
  assert.equal(seen.at(-1)!.enabled, false);
});

test('a system that refuses: the state read back plus the reason, in Settings and the log; nothing thrown', async () => {
  const { c, ctx, lines } = setup();
  mkdirSync(join(ctx.homedir, '.config'), { recursive: true });
  writeFileSync(join(ctx.homedir, '.config', 'autostart'), 'a file where the folder should be');
  const state = await c.set(true);
  assert.equal(state.enabled, false);
  assert.match(state.problem!, /Cannot write the login entry in .*\. Start at login stays off\./);
  assert.match(lines.at(-1)!, /start at login could not be turned on: Cannot write the login entry/);
});

test('a backend that throws on read, and no backend at all', async () => {
  let asked = true;
  const broken = new LoginItemController({ backend: { read: async () => { throw new Error('boom'); }, write: async () => {} }, asked: { get: () => asked, set: (v) => { asked = v; } } });
  assert.deepEqual(await broken.get(), { enabled: false, supported: true, asked: true, problem: 'Cannot read the start-at-login setting: boom' });
  const none = new LoginItemController({ backend: null, asked: { get: () => false, set: () => {} } });
  assert.deepEqual(await none.set(true), { enabled: false, supported: false, asked: false, problem: 'Start at login is not available on this system.' });
});

test('concurrent toggles are applied in order (the last one wins)', async () => {
  const { c } = setup();
  const results = await Promise.all([c.set(true), c.set(false), c.set(true)]);
  assert.deepEqual(results.map((r) => r.enabled), [true, false, true]);
  assert.equal((await c.get()).enabled, true);
});
