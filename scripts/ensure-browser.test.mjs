// The browser search behind `npm test`: the order of the probes (each injected and recorded), and the real
// file checks on executables made in a temp folder.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findBrowser, findSystemBrowser, isDebianLike, isExecutable, NOT_FOUND_MESSAGE, systemCandidates } from './ensure-browser.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-browser-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function exe(path, mode = 0o755) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, mode);
  return path;
}

/** Probes that answer from a script and record what was asked, in order. */
function probes(answers) {
  const calls = [];
  const state = { ...answers };
  const p = {
    playwright: () => (calls.push('playwright'), state.playwright.shift()),
    system: () => (calls.push('system'), state.system.shift()),
    installPlaywright: () => (calls.push('installPlaywright'), state.installPlaywright),
    canApt: () => (calls.push('canApt'), state.canApt),
    installApt: () => (calls.push('installApt'), state.installApt),
  };
  return { p, calls };
}

test("Playwright's own Chromium comes first, and nothing is installed", () => {
  const { p, calls } = probes({ playwright: ['/pw/chrome'], system: ['/usr/bin/chromium'], installPlaywright: true, canApt: true, installApt: true });
  assert.deepEqual(findBrowser(p), { path: '/pw/chrome', source: 'playwright' });
  assert.deepEqual(calls, ['playwright']);
});

test('then a system Chromium or Chrome', () => {
  const { p, calls } = probes({ playwright: [undefined], system: ['/usr/bin/chromium'], installPlaywright: true, canApt: true, installApt: true });
  assert.deepEqual(findBrowser(p), { path: '/usr/bin/chromium', source: 'system' });
  assert.deepEqual(calls, ['playwright', 'system']);
});

test('then `playwright install chromium`, checked by looking again', () => {
  const { p, calls } = probes({ playwright: [undefined, '/pw/chrome'], system: [undefined], installPlaywright: true, canApt: true, installApt: true });
  assert.deepEqual(findBrowser(p), { path: '/pw/chrome', source: 'playwright-install' });
  assert.deepEqual(calls, ['playwright', 'system', 'installPlaywright', 'playwright']);
});

test('then apt-get on Debian/Ubuntu as root, when the Playwright download failed (offline)', () => {
  const { p, calls } = probes({ playwright: [undefined], system: [undefined, '/usr/bin/chromium'], installPlaywright: false, canApt: true, installApt: true });
  assert.deepEqual(findBrowser(p), { path: '/usr/bin/chromium', source: 'apt' });
  assert.deepEqual(calls, ['playwright', 'system', 'installPlaywright', 'canApt', 'installApt', 'system']);
});

test('a Playwright install that "succeeds" without a browser falls through to apt', () => {
  const { p, calls } = probes({ playwright: [undefined, undefined], system: [undefined, '/usr/bin/chromium'], installPlaywright: true, canApt: true, installApt: true });
  assert.equal(findBrowser(p)?.source, 'apt');
  assert.deepEqual(calls, ['playwright', 'system', 'installPlaywright', 'playwright', 'canApt', 'installApt', 'system']);
});

test('nothing found and apt not ours to use: no browser, and one sentence says what to install', () => {
  for (const canApt of [false, true]) {
    const { p, calls } = probes({ playwright: [undefined], system: [undefined, undefined], installPlaywright: false, canApt, installApt: false });
    assert.equal(findBrowser(p), undefined);
    assert.equal(calls.includes('installApt'), canApt, 'apt only when allowed');
  }
  assert.equal(NOT_FOUND_MESSAGE.split('. ').length, 1, 'one sentence');
  assert.match(NOT_FOUND_MESSAGE, /apt-get install chromium/);
  assert.match(NOT_FOUND_MESSAGE, /playwright install chromium/);
});

test('isExecutable: a real executable file yes; a plain file, a folder or a missing path no', { skip: process.platform === 'win32' }, () => {
  assert.equal(isExecutable(exe(join(tmp, 'a', 'chromium'))), true);
  assert.equal(isExecutable(exe(join(tmp, 'b', 'chromium'), 0o644)), false);
  mkdirSync(join(tmp, 'c', 'chromium'), { recursive: true });
  assert.equal(isExecutable(join(tmp, 'c', 'chromium')), false);
  assert.equal(isExecutable(join(tmp, 'nope')), false);
});

test('findSystemBrowser: PATH first (in PATH order), then the usual locations', { skip: process.platform === 'win32' }, () => {
  const bin1 = join(tmp, 'path1');
  const bin2 = join(tmp, 'path2');
  mkdirSync(bin1, { recursive: true });
  exe(join(bin2, 'google-chrome'));
  const fixed = exe(join(tmp, 'opt', 'chromium'));
  const env = { PATH: [bin1, bin2].join(':') };
  assert.equal(findSystemBrowser({ platform: 'linux', env, candidates: [fixed] }), join(bin2, 'google-chrome'));
  exe(join(bin1, 'chromium'));
  assert.equal(findSystemBrowser({ platform: 'linux', env, candidates: [fixed] }), join(bin1, 'chromium'));
  assert.equal(findSystemBrowser({ platform: 'linux', env: { PATH: join(tmp, 'empty') }, candidates: [join(tmp, 'missing'), fixed] }), fixed);
  assert.equal(findSystemBrowser({ platform: 'linux', env: { PATH: '' }, candidates: [join(tmp, 'missing')] }), undefined);
});

test('system locations per platform', () => {
  assert.ok(systemCandidates('linux').includes('/usr/bin/chromium'));
  assert.ok(systemCandidates('darwin').some((p) => p.includes('Google Chrome.app')));
  assert.ok(systemCandidates('win32', { PROGRAMFILES: 'C:\\Program Files' }).some((p) => p.endsWith('chrome.exe')));
});

test('Debian and Ubuntu (and their derivatives) are recognised from /etc/os-release', () => {
  assert.equal(isDebianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'), true);
  assert.equal(isDebianLike('ID=ubuntu\nID_LIKE=debian\n'), true);
  assert.equal(isDebianLike('ID=linuxmint\nID_LIKE="ubuntu debian"\n'), true);
  assert.equal(isDebianLike('ID=fedora\n'), false);
  assert.equal(isDebianLike('ID="alpine"\n'), false);
  assert.equal(isDebianLike(''), false);
});
