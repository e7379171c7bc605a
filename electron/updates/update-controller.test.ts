// The update state machine against a real update feed on 127.0.0.1 (a latest-linux.yml as electron-builder
// publishes it), driving electron-updater's own AppImageUpdater in plain Node (electron/testing/node-updater.ts):
// no update, update available → downloaded → installed on quit, bad checksum, older version, another app's
// files, corrupt feeds, no network; checks never overlap and failures back off instead of looping.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, test } from 'node:test';
import type { UpdateStatus } from '../../shared/ipc-contract';
import { createNodeUpdater, type NodeUpdater } from '../testing/node-updater';
import { startUpdateFeed, type UpdateFeed } from '../testing/update-feed';
import { DAY_MS, UpdateController } from './update-controller';

const root = mkdtempSync(join(tmpdir(), 'loopgate-updates-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const CURRENT = '0.1.0';
const script = (marker: string): Buffer => Buffer.from(`#!/bin/sh\necho "installed $APPIMAGE_EXIT_AFTER_INSTALL" > "${marker}"\n`);

interface Rig {
  dir: string;
  feed: UpdateFeed;
  node: NodeUpdater;
  c: UpdateController;
  lines: string[];
  seen: UpdateStatus[];
  timers: Array<{ fn: () => void; ms: number; cleared: boolean }>;
  clock: { now: number };
}
let rig: Rig;

beforeEach(async () => {
  const dir = join(root, `case-${++n}`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  // The running AppImage the update replaces.
  process.env.APPIMAGE = join(dir, `Loopgate-${CURRENT}-x86_64.AppImage`);
  writeFileSync(process.env.APPIMAGE, '#!/bin/sh\necho old\n', { mode: 0o755 });
  const feed = await startUpdateFeed();
  const lines: string[] = [];
  const node = createNodeUpdater({ feedUrl: feed.url, version: CURRENT, dir, log: (l) => lines.push(`updater: ${l}`) });
  const timers: Rig['timers'] = [];
  const clock = { now: 1_000_000 };
  const c = new UpdateController({
    updater: node.updater, currentVersion: CURRENT, productName: 'Loopgate', log: (l) => lines.push(l), now: () => clock.now,
    timers: { setTimeout: (fn, ms) => { const t = { fn, ms, cleared: false }; timers.push(t); return t; }, clearTimeout: (h) => { (h as { cleared: boolean }).cleared = true; } },
  });
  const seen: UpdateStatus[] = [];
  c.onChange((s) => seen.push(s));
  rig = { dir, feed, node, c, lines, seen, timers, clock };
});
afterEach(async () => {
  rig.c.dispose();
  await rig.feed.close();
});

const pending = () => rig.timers.filter((t) => !t.cleared);
/** What the event loop does when a timer is due: it fires once and is gone. */
const fire = (t: Rig['timers'][number]) => {
  t.cleared = true;
  t.fn();
};
const downloads = () => rig.feed.requests.filter((p) => p.endsWith('.AppImage'));
const cacheFiles = () => {
  const dir = join(rig.dir, 'cache', 'loopgate-updater', 'pending');
  return existsSync(dir) ? readdirSync(dir) : [];
};

test('start schedules the first check; the timer runs it', async () => {
  rig.feed.publish({ version: CURRENT, file: { name: `Loopgate-${CURRENT}-x86_64.AppImage`, body: Buffer.from('same') } });
  rig.c.start();
  assert.equal(pending().length, 1);
  assert.equal(pending()[0]!.ms, 10_000);
  fire(pending()[0]!);
  const s = await rig.c.check(); // joins the check the timer started
  assert.equal(s.phase, 'up-to-date');
  assert.equal(rig.feed.requests.filter((p) => p === '/latest-linux.yml').length, 1, 'one request, not two');
});

test('no update: up to date, the time of the check shown, the next one a day later', async () => {
  rig.feed.publish({ version: CURRENT, file: { name: `Loopgate-${CURRENT}-x86_64.AppImage`, body: Buffer.from('same') } });
  const s = await rig.c.check();
  assert.equal(s.phase, 'up-to-date');
  assert.equal(s.currentVersion, CURRENT);
  assert.equal(s.lastCheckAtMs, rig.clock.now);
  assert.equal(s.nextCheckAtMs, rig.clock.now + DAY_MS);
  assert.equal(s.message, 'Loopgate 0.1.0 is up to date.');
  assert.deepEqual(pending().map((t) => t.ms), [DAY_MS]);
  assert.deepEqual(rig.seen.map((x) => x.phase).filter((p, i, a) => p !== a[i - 1]), ['checking', 'up-to-date']);
  assert.equal(downloads().length, 0);
});

test('update available: downloaded, verified, ready; installed on quit by electron-updater itself', async () => {
  const marker = join(rig.dir, 'installed.txt');
  const body = script(marker);
  rig.feed.publish({ version: '0.2.0', file: { name: 'Loopgate-0.2.0-x86_64.AppImage', body } });
  const s = await rig.c.check();
  assert.equal(s.phase, 'ready', JSON.stringify(s));
  assert.equal(s.version, '0.2.0');
  assert.equal(s.progressPercent, 100);
  assert.match(s.message!, /0\.2\.0 is ready: it installs when you quit, or now with Restart to update/);
  assert.ok(rig.seen.some((x) => x.phase === 'downloading' && x.version === '0.2.0'));
  assert.deepEqual(cacheFiles().filter((f) => f.endsWith('.AppImage')), ['Loopgate-0.2.0-x86_64.AppImage']);
  // Ready: no more checks, and a manual check does not start another download.
  assert.equal(pending().length, 0);
  assert.equal((await rig.c.check()).phase, 'ready');
  assert.equal(downloads().length, 1);

  // Quit: the downloaded AppImage replaces the running one and runs its install step (then exits).
  assert.equal(rig.c.applyOnExit('quit'), true);
  const installed = join(rig.dir, 'Loopgate-0.2.0-x86_64.AppImage');
  assert.equal(existsSync(process.env.APPIMAGE!), false, 'the old AppImage is gone');
  assert.deepEqual(readFileSync(installed), body);
  assert.equal(statSync(installed).mode & 0o111, 0o111, 'executable');
  assert.equal(readFileSync(marker, 'utf8'), 'installed true\n', 'run with APPIMAGE_EXIT_AFTER_INSTALL');
  // electron-updater's own quit hook then sees the install already done.
  assert.equal(rig.c.applyOnExit('quit'), false);
  assert.match(rig.lines.join('\n'), /updates: installing 0\.2\.0 \(on quit\)/);
});

test('bad checksum (sha512 mismatch): refused, the file deleted, a clear message, retried later not now', async () => {
  rig.feed.publish({ version: '0.2.0', file: { name: 'Loopgate-0.2.0-x86_64.AppImage', body: Buffer.from('tampered bytes') }, sha512Of: Buffer.from('what was signed') });
  const s = await rig.c.check();
  assert.equal(s.phase, 'error');
  assert.equal(s.problem, 'bad-checksum');
  assert.equal(s.message, 'The downloaded update failed its checksum (sha512 mismatch) and was deleted; nothing was installed.');
  assert.deepEqual(cacheFiles().filter((f) => f.includes('AppImage')), []);
  assert.equal(rig.c.applyOnExit('quit'), false, 'nothing to install');
  assert.equal(readFileSync(process.env.APPIMAGE!, 'utf8'), '#!/bin/sh\necho old\n');
  assert.deepEqual(pending().map((t) => t.ms), [15 * 60_000]);
  assert.match(rig.lines.join('\n'), /updates: The downloaded update failed its checksum .* Next check in 15 min\./);
});

test('older version in the feed: never installed, said plainly, next check at the normal interval', async () => {
  rig.feed.publish({ version: '0.0.9', file: { name: 'Loopgate-0.0.9-x86_64.AppImage', body: Buffer.from('old') } });
  const s = await rig.c.check();
  assert.equal(s.phase, 'error');
  assert.equal(s.problem, 'older-version');
  assert.equal(s.message, 'The update feed offers Loopgate 0.0.9, older than this 0.1.0; nothing to install.');
  assert.equal(downloads().length, 0);
  assert.deepEqual(pending().map((t) => t.ms), [DAY_MS]);
});

test("another app's feed: refused before any download", async () => {
  for (const name of ['OtherApp-0.2.0-x86_64.AppImage', 'Loopgate-0.3.0-x86_64.AppImage', '../../Loopgate-0.2.0.AppImage.evil']) {
    rig.feed.publish({ version: '0.2.0', file: { name, body: Buffer.from('x') } });
    const s = await rig.c.check();
    assert.equal(s.phase, 'error', name);
    assert.equal(s.problem, 'different-app', name);
    assert.match(s.message!, /is not a Loopgate 0\.2\.0 installer; ignored\./);
  }
  assert.equal(downloads().length, 0);
});

test('corrupt feeds of every kind: a clear message, nothing downloaded, the controller still answers', async () => {
  const feeds = [
    '{{{ not yaml',
    'just a string',
    'files: []\npath: x\n',
    'version: banana\nfiles:\n  - url: Loopgate-banana.AppImage\n    sha512: x\n',
    'version: 0.2.0\n',
    '',
    '\u0000\u0001\u0002',
  ];
  for (const text of feeds) {
    rig.feed.setFeedText(text);
    const s = await rig.c.check();
    assert.equal(s.phase, 'error', JSON.stringify(text));
    assert.ok(s.problem === 'corrupt-feed', `${JSON.stringify(text)} → ${s.problem}: ${s.message}`);
    assert.match(s.message!, /^The update feed (is not valid|offers 0\.2\.0 without any file)/);
    assert.ok(s.message!.length < 300);
  }
  assert.equal(downloads().length, 0);
});

test('no network: "could not reach", backing off 15 min → 1 h → 4 h → 12 h → 1 day, never in a loop', async () => {
  rig.feed.hangUp(true);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const before = rig.feed.requests.length;
    const s = await rig.c.check();
    assert.equal(s.phase, 'error');
    assert.equal(s.problem, 'offline');
    assert.match(s.message!, /^Could not reach the update server \(/);
    assert.ok(rig.feed.requests.length - before <= 1, 'one request per check');
    assert.equal(pending().length, 1, 'exactly one retry scheduled');
    delays.push(pending()[0]!.ms);
  }
  assert.deepEqual(delays, [15 * 60_000, 60 * 60_000, 4 * 3_600_000, 12 * 3_600_000, 12 * 3_600_000, 12 * 3_600_000]);
  // Back online: the next check succeeds and the backoff resets.
  rig.feed.hangUp(false);
  rig.feed.publish({ version: CURRENT, file: { name: `Loopgate-${CURRENT}-x86_64.AppImage`, body: Buffer.from('same') } });
  fire(pending()[0]!);
  assert.equal((await rig.c.check()).phase, 'up-to-date');
  rig.feed.hangUp(true);
  await rig.c.check();
  assert.equal(pending()[0]!.ms, 15 * 60_000);
});

test('a server that is not there at all (connection refused) is "could not reach" too', async () => {
  await rig.feed.close();
  const s = await rig.c.check();
  assert.equal(s.problem, 'offline');
  assert.match(s.message!, /ECONNREFUSED/);
});

test('checks never overlap: parallel requests share one', async () => {
  rig.feed.publish({ version: CURRENT, file: { name: `Loopgate-${CURRENT}-x86_64.AppImage`, body: Buffer.from('same') } });
  const results = await Promise.all([rig.c.check(), rig.c.check(), rig.c.check()]);
  assert.ok(results.every((r) => r.phase === 'up-to-date'));
  assert.equal(rig.feed.requests.filter((p) => p === '/latest-linux.yml').length, 1);
});

test('disabled (development build): no timer, no request, the reason shown', async () => {
  const timers: unknown[] = [];
  const lines: string[] = [];
  const c = new UpdateController({
    updater: null, disabledReason: 'Updates are off in development builds.', currentVersion: CURRENT, productName: 'Loopgate', log: (l) => lines.push(l),
    timers: { setTimeout: (fn) => timers.push(fn), clearTimeout: () => {} },
  }).start();
  assert.deepEqual(c.status(), { phase: 'disabled', currentVersion: CURRENT, message: 'Updates are off in development builds.' });
  assert.equal((await c.check()).phase, 'disabled');
  assert.equal(timers.length, 0);
  assert.equal(c.applyOnExit('restart'), false);
  assert.deepEqual(lines, ['updates: off (Updates are off in development builds.)']);
});
