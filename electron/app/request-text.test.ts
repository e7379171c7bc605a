// How requests read in the tray and notifications; device-reported text is never trusted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PendingRequestView } from '../../shared/pairing-types';
import { deviceLabel, needsReview, notificationBody, notificationTitle, sanitizeReported, summarizeAsk, trayLabel } from './request-text';

function req(over: Partial<PendingRequestView> = {}): PendingRequestView {
  return {
    requestId: 'r1', deviceId: 'd'.repeat(64), publicKey: 'pk', fingerprint: 'ab:cd:ef:01:23:45:67:89:ab:cd:ef:01', displayName: 'build-agent',
    clientId: 'cli', role: 'operator', roles: ['operator'], scopes: ['operator.read'], silent: false, isRepair: false, ts: 1,
    reason: 'not-paired', locality: 'local', sourceAddress: '127.0.0.1', heldRoles: [], heldScopes: [], grant: { roles: ['operator'], scopes: ['operator.read'] }, createdAtMs: 1, expiresAtMs: 2,
    ...over,
  };
}

test('sanitizeReported strips control, bidi and zero-width characters and markup, and truncates to 64', () => {
  assert.equal(sanitizeReported('evil\u202Egnp.exe'), 'evil gnp.exe');
  assert.equal(sanitizeReported('a\u0000b\u001bc\u007fd\u200be'), 'a b c d e');
  assert.equal(sanitizeReported('<b>bold</b> & <a href="x">link</a>'), 'bold link');
  assert.equal(sanitizeReported('line1\nline2\r\n\tx'), 'line1 line2 x');
  assert.equal(sanitizeReported('<img src=x onerror=alert(1)'), '');
  assert.equal(sanitizeReported('&lt;script&gt;'), 'script');
  const long = sanitizeReported('x'.repeat(200));
  assert.equal([...long].length, 64);
  assert.ok(long.endsWith('…'));
  assert.equal([...sanitizeReported('😀'.repeat(100))].length, 64, 'counted in characters, not UTF-16 units');
  assert.equal(sanitizeReported(undefined), '');
});

test('device names are marked (reported); a nameless device is named by fingerprint', () => {
  assert.equal(deviceLabel(req()), 'build-agent (reported)');
  assert.equal(deviceLabel(req({ displayName: '\u0000\u0001', clientId: '' })), 'device ab:cd:ef:01:23:45:67:89:ab:cd:ef…');
  assert.equal(deviceLabel(req({ displayName: undefined, clientId: 'openclaw-cli' })), 'openclaw-cli (reported)');
});

test('the ask is a diff against what is held (implication-aware)', () => {
  assert.deepEqual(summarizeAsk(req()).text, 'role operator + operator.read');
  assert.deepEqual(summarizeAsk(req({ heldRoles: ['operator'], heldScopes: ['operator.read'], scopes: ['operator.read', 'operator.admin'] })).text, 'operator.admin');
  assert.deepEqual(summarizeAsk(req({ heldRoles: ['operator'], heldScopes: ['operator.write'], scopes: ['operator.read'] })).text, 'new device details');
  assert.deepEqual(summarizeAsk(req({ role: 'node', scopes: [], heldRoles: ['operator'], heldScopes: ['operator.read'] })).text, 'role node');
});

test('title and body say who asks for what, from where, with the fingerprint', () => {
  const r = req({ locality: 'remote', sourceAddress: '203.0.113.7', heldRoles: ['operator'], heldScopes: ['operator.read'], scopes: ['operator.read', 'operator.write'], reason: 'scope-upgrade' });
  assert.equal(notificationTitle(r), 'Loopgate: build-agent (reported) asks for operator.write');
  const body = notificationBody(r);
  assert.match(body, /^Role: operator$/m);
  assert.match(body, /^Scopes: \+operator\.write \(holds operator\.read\)$/m);
  assert.match(body, /^From: REMOTE 203\.0\.113\.7$/m);
  assert.match(body, /^Fingerprint: ab:cd:ef:01:23:45:67:89:ab:cd:ef:01$/m);
  assert.equal(trayLabel(r), 'build-agent (reported) asks for operator.write — remote');
  assert.equal(trayLabel(req({ role: 'node', scopes: [], heldRoles: ['operator'], reason: 'role-upgrade' })), 'build-agent (reported) asks for role node');
});

test('needsReview: role changes, non-local requests and powerful scopes never get one-click approve', () => {
  assert.equal(needsReview(req({ reason: 'scope-upgrade', heldRoles: ['operator'] })), false);
  assert.equal(needsReview(req()), true, 'a new device');
  assert.equal(needsReview(req({ reason: 'metadata-upgrade', heldRoles: ['operator'] })), true);
  assert.equal(needsReview(req({ reason: 'not-paired', role: 'node', heldRoles: [] })), true);
  assert.equal(needsReview(req({ reason: 'role-upgrade', role: 'node', heldRoles: ['operator'] })), true);
  assert.equal(needsReview(req({ locality: 'remote', heldRoles: ['operator'] })), true);
  assert.equal(needsReview(req({ locality: 'browser', heldRoles: ['operator'] })), true);
  for (const s of ['operator.admin', 'operator.pairing', 'operator.approvals']) assert.equal(needsReview(req({ heldRoles: ['operator'], scopes: ['operator.read', s] })), true, s);
});

test('who is asking: the program and PID lead the title and the tray entry; the body says path, user, warnings, a change', () => {
  const attribution = {
    status: 'found' as const, method: 'linux-proc' as const, atMs: 1, sameUser: true,
    process: { pid: 4242, name: 'node', script: 'claude', exe: '/tmp/x/node', user: 'alice', parents: [], warning: 'temp-folder' as const },
  };
  const r = req({ role: 'node', scopes: [], heldRoles: ['operator'], reason: 'role-upgrade', attribution, programChanged: true, approvedFrom: { exe: '/usr/bin/node', name: 'node', script: 'claude', atMs: 1 } });
  assert.equal(trayLabel(r), 'node (claude) · PID 4242 asks for role node');
  assert.equal(notificationTitle(r), 'Loopgate: node (claude) · PID 4242 asks for role node');
  const body = notificationBody(r);
  assert.match(body, /^Device: build-agent \(reported\)$/m);
  assert.match(body, /^Program: \/tmp\/x\/node \(user alice\)$/m);
  assert.match(body, /^Warning: it runs from a temporary folder$/m);
  assert.match(body, /^Program changed: approved from node \(claude\)$/m);
  assert.equal(needsReview({ ...r, reason: 'scope-upgrade', role: 'operator', heldRoles: ['operator'], locality: 'local', scopes: ['operator.read'] }), true, 'a changed program is reviewed in the window');
  // Process names are chosen by whoever started the process: sanitized like reported text.
  const evil = req({ attribution: { ...attribution, process: { ...attribution.process, name: 'x\u202Eevil<b>', script: undefined, warning: undefined } } });
  assert.equal(trayLabel(evil), 'x evil · PID 4242 asks for role operator + operator.read');
  const gone = req({ attribution: { status: 'exited', method: 'linux-proc', atMs: 1 } });
  assert.equal(trayLabel(gone), 'build-agent (reported) asks for role operator + operator.read');
  assert.match(notificationBody(gone), /^Program: exited before it could be identified$/m);
});
