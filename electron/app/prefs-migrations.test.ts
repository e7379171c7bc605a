// Pure preference upgrades (no electron, no electron-store).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundsOnScreen, defaultPrefs, migratePrefs, MIN_HEIGHT, MIN_WIDTH, sanitizeBounds, upgradeV0toV1, upgradeV1toV2, validateGatewayMode, validateV1, validateV2 } from './prefs-migrations';

test('upgradeV0toV1 maps the flat pre-release keys', () => {
  assert.deepEqual(upgradeV0toV1({ windowBounds: { x: 10, y: 20, width: 1000, height: 800 }, windowMaximized: true, notificationsEnabled: false, notificationSound: false }), {
    version: 1,
    window: { bounds: { x: 10, y: 20, width: 1000, height: 800 }, maximized: true },
    notifications: { enabled: false, sound: false },
  });
});

test('upgradeV0toV1 of an empty or junk v0 gives the defaults', () => {
  assert.deepEqual(upgradeV1toV2(upgradeV0toV1({})), defaultPrefs());
  assert.deepEqual(upgradeV1toV2(upgradeV0toV1({ windowBounds: 'big', windowMaximized: 'yes', notificationsEnabled: 1, notificationSound: null })), defaultPrefs());
});

test('bounds: junk dropped, tiny sizes clamped, half a position dropped', () => {
  assert.equal(sanitizeBounds({ width: NaN, height: 10 }), undefined);
  assert.equal(sanitizeBounds({ width: Infinity, height: 10 }), undefined);
  assert.equal(sanitizeBounds(null), undefined);
  assert.deepEqual(sanitizeBounds({ width: 10, height: 10 }), { width: MIN_WIDTH, height: MIN_HEIGHT });
  assert.deepEqual(sanitizeBounds({ x: 5, width: 900.4, height: 700.6 }), { width: 900, height: 701 });
  assert.deepEqual(sanitizeBounds({ x: -50, y: 0, width: 900, height: 700 }), { x: -50, y: 0, width: 900, height: 700 });
});

test('migratePrefs: nothing stored → defaults, to be written', () => {
  assert.deepEqual(migratePrefs({}), { prefs: defaultPrefs(), changed: true, fromNewer: false });
  assert.deepEqual(migratePrefs(undefined), { prefs: defaultPrefs(), changed: true, fromNewer: false });
  assert.deepEqual(migratePrefs([1, 2]), { prefs: defaultPrefs(), changed: true, fromNewer: false });
});

test('migratePrefs: a clean v2 document is unchanged; a v1 document gains the gateway mode (own) and is rewritten', () => {
  const v1 = { version: 1, window: { bounds: { x: 1, y: 2, width: 800, height: 600 }, maximized: false }, notifications: { enabled: true, sound: false } };
  const up = migratePrefs(structuredClone(v1));
  assert.deepEqual(up.prefs, { ...v1, version: 2, gateway: { mode: 'own' }, startAtLogin: { asked: false } });
  assert.equal(up.changed, true);
  const v2 = { ...v1, version: 2, gateway: { mode: 'attach', url: 'ws://127.0.0.1:18789' }, startAtLogin: { asked: true } };
  const r = migratePrefs(structuredClone(v2));
  assert.deepEqual(r.prefs, v2);
  assert.equal(r.changed, false);
});

test('gateway mode: anything malformed is Loopgate\'s own gateway; only a loopback URL is kept', () => {
  assert.deepEqual(validateGatewayMode({ mode: 'attach' }), { mode: 'attach' });
  assert.deepEqual(validateGatewayMode({ mode: 'attach', url: 'ws://[::1]:1' }), { mode: 'attach', url: 'ws://[::1]:1' });
  for (const url of ['ws://10.0.0.1:18789', 'wss://127.0.0.1:1', 'ws://127.0.0.1', 42]) assert.deepEqual(validateGatewayMode({ mode: 'attach', url }), { mode: 'attach' }, String(url));
  for (const bad of [null, 'attach', { mode: 'ATTACH' }, { mode: 1 }, []]) assert.deepEqual(validateGatewayMode(bad), { mode: 'own' }, JSON.stringify(bad));
  assert.deepEqual(validateV2({ version: 2, gateway: { mode: 'attach', url: 'http://x' } }).gateway, { mode: 'attach' });
});

test('migratePrefs: the start-at-login question is not asked yet after an upgrade; junk reads as not asked', () => {
  const r = migratePrefs({ version: 1, window: { maximized: false }, notifications: { enabled: true, sound: true } });
  assert.deepEqual(r.prefs.startAtLogin, { asked: false });
  assert.equal(r.changed, true);
  for (const junk of [null, 'yes', { asked: 'true' }, []]) assert.deepEqual(migratePrefs({ version: 2, startAtLogin: junk }).prefs.startAtLogin, { asked: false });
});

test('migratePrefs: a damaged v1 document is repaired field by field', () => {
  const r = migratePrefs({ version: 1, window: { bounds: { width: 'x' }, maximized: 'no' }, notifications: { enabled: false, sound: 'loud' }, extra: 1 });
  assert.deepEqual(r.prefs, { version: 2, window: { maximized: false }, notifications: { enabled: false, sound: true }, gateway: { mode: 'own' }, startAtLogin: { asked: false } });
  assert.equal(r.changed, true);
});

test('migratePrefs: bad version → defaults; newer version → read, never rewritten', () => {
  assert.deepEqual(migratePrefs({ version: 'one' }).prefs, defaultPrefs());
  assert.deepEqual(migratePrefs({ version: 0 }).prefs, defaultPrefs());
  const newer = migratePrefs({ version: 7, notifications: { enabled: false, sound: true }, somethingNew: {} });
  assert.equal(newer.fromNewer, true);
  assert.equal(newer.changed, false);
  assert.equal(newer.prefs.notifications.enabled, false);
});

test('validateV1 keeps a valid document as is', () => {
  assert.deepEqual(validateV2(defaultPrefs() as unknown as Record<string, unknown>), defaultPrefs());
  const { gateway: _g, startAtLogin: _s, ...v1 } = { ...defaultPrefs(), version: 1 as const };
  assert.deepEqual(validateV1(v1 as unknown as Record<string, unknown>), v1);
});

test('boundsOnScreen keeps a reachable title bar and drops lost positions', () => {
  const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }, { x: 1920, y: 0, width: 1280, height: 1024 }];
  assert.deepEqual(boundsOnScreen({ x: 2000, y: 100, width: 800, height: 600 }, screens), { x: 2000, y: 100, width: 800, height: 600 });
  assert.deepEqual(boundsOnScreen({ x: 4000, y: 100, width: 800, height: 600 }, screens), { width: 800, height: 600 });
  assert.deepEqual(boundsOnScreen({ x: 100, y: -300, width: 800, height: 600 }, screens), { width: 800, height: 600 });
  assert.deepEqual(boundsOnScreen({ width: 800, height: 600 }, screens), { width: 800, height: 600 });
  assert.equal(boundsOnScreen(undefined, screens), undefined);
});
