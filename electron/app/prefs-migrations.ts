// App preferences (window bounds, notification settings): the versioned shapes and pure upgrade steps.
// Kept free of electron and electron-store so every step is unit-tested in plain Node (Mattermost's
// upgradePreferences style). Pairing data never lives here — that is the gateway's own store.
import { isDeepStrictEqual } from 'node:util';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

/** v0: the unversioned flat layout of pre-release builds. */
export interface PrefsV0 {
  windowBounds?: unknown;
  windowMaximized?: unknown;
  notificationsEnabled?: unknown;
  notificationSound?: unknown;
}

export interface NotificationPrefs {
  enabled: boolean;
  sound: boolean;
}

export interface PrefsV1 {
  version: 1;
  window: { bounds?: WindowBounds; maximized: boolean };
  notifications: NotificationPrefs;
}

/**
 * How the tray app runs its gateway: its own, or attached to an OpenClaw gateway (the URL, when the user gave
 * one; otherwise the OpenClaw config decides). No secret is kept here: the token comes from OpenClaw's config.
 */
export interface GatewayModePref {
  mode: 'own' | 'attach';
  url?: string;
}

export interface PrefsV2 {
  version: 2;
  window: PrefsV1['window'];
  notifications: NotificationPrefs;
  gateway: GatewayModePref;
  /** Whether the window's first-run "start at login?" question was answered. The setting itself lives in the OS. */
  startAtLogin: { asked: boolean };
}

export type Prefs = PrefsV2;
export const PREFS_VERSION = 2;

export const MIN_WIDTH = 640;
export const MIN_HEIGHT = 420;
export const DEFAULT_WIDTH = 1100;
export const DEFAULT_HEIGHT = 720;
const MAX_EDGE = 100_000;

export function defaultPrefs(): Prefs {
  return { version: 2, window: { maximized: false }, notifications: { enabled: true, sound: true }, gateway: { mode: 'own' }, startAtLogin: { asked: false } };
}

/** v1 → v2: the gateway mode and the start-at-login question arrive; everyone who had v1 ran Loopgate's own gateway. */
export function upgradeV1toV2(v1: PrefsV1): PrefsV2 {
  return { ...v1, version: 2, gateway: { mode: 'own' }, startAtLogin: { asked: false } };
}

const LOOPBACK_WS = /^ws:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/;

/** Re-check the gateway mode; anything malformed means Loopgate's own gateway (the safe default). */
export function validateGatewayMode(v: unknown): GatewayModePref {
  if (!isObject(v) || v.mode !== 'attach') return { mode: 'own' };
  return { mode: 'attach', ...(typeof v.url === 'string' && LOOPBACK_WS.test(v.url) ? { url: v.url } : {}) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_EDGE;

/** Bounds worth restoring, or undefined: junk sizes fall back to the default, sizes are clamped. */
export function sanitizeBounds(v: unknown): WindowBounds | undefined {
  if (!isObject(v) || !finite(v.width) || !finite(v.height)) return undefined;
  const b: WindowBounds = { width: Math.max(MIN_WIDTH, Math.round(v.width)), height: Math.max(MIN_HEIGHT, Math.round(v.height)) };
  // Position only as a pair: half a position is worse than letting the OS place the window.
  if (finite(v.x) && finite(v.y)) {
    b.x = Math.round(v.x);
    b.y = Math.round(v.y);
  }
  return b;
}

export function upgradeV0toV1(v0: PrefsV0): PrefsV1 {
  const d = defaultPrefs();
  const bounds = sanitizeBounds(v0.windowBounds);
  return {
    version: 1,
    window: { ...(bounds ? { bounds } : {}), maximized: v0.windowMaximized === true },
    notifications: {
      enabled: typeof v0.notificationsEnabled === 'boolean' ? v0.notificationsEnabled : d.notifications.enabled,
      sound: typeof v0.notificationSound === 'boolean' ? v0.notificationSound : d.notifications.sound,
    },
  };
}

/** Re-check a current (v2) document field by field; anything malformed takes its default. */
export function validateV2(raw: Record<string, unknown>): PrefsV2 {
  const login = isObject(raw.startAtLogin) ? raw.startAtLogin : {};
  return { ...validateV1(raw), version: 2, gateway: validateGatewayMode(raw.gateway), startAtLogin: { asked: login.asked === true } };
}

/** Re-check a v1 document field by field; anything malformed takes its default. */
export function validateV1(raw: Record<string, unknown>): PrefsV1 {
  const d = defaultPrefs();
  const win = isObject(raw.window) ? raw.window : {};
  const n = isObject(raw.notifications) ? raw.notifications : {};
  const bounds = sanitizeBounds(win.bounds);
  return {
    version: 1,
    window: { ...(bounds ? { bounds } : {}), maximized: win.maximized === true },
    notifications: {
      enabled: typeof n.enabled === 'boolean' ? n.enabled : d.notifications.enabled,
      sound: typeof n.sound === 'boolean' ? n.sound : d.notifications.sound,
    },
  };
}

export interface MigrationResult {
  prefs: Prefs;
  /** The document on disk differs from `prefs` (migrated or repaired) and should be rewritten. */
  changed: boolean;
  /** Written by a newer Loopgate: read what we understand, but do not overwrite it. */
  fromNewer: boolean;
}

/** Any stored document → the current version, one explicit step at a time. */
export function migratePrefs(raw: unknown): MigrationResult {
  if (!isObject(raw)) return { prefs: defaultPrefs(), changed: true, fromNewer: false };
  const version = raw.version;
  if (version === undefined) {
    const prefs = upgradeV1toV2(upgradeV0toV1(raw as PrefsV0));
    return { prefs, changed: true, fromNewer: false };
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { prefs: defaultPrefs(), changed: true, fromNewer: false };
  }
  if (version > PREFS_VERSION) {
    return { prefs: validateV2(raw), changed: false, fromNewer: true };
  }
  if (version === 1) return { prefs: upgradeV1toV2(validateV1(raw)), changed: true, fromNewer: false };
  const prefs = validateV2(raw);
  return { prefs, changed: !isDeepStrictEqual(prefs, { ...raw }), fromNewer: false };
}

/** Where the window may go: bounds whose top-left area is on no display lose their position. */
export function boundsOnScreen(bounds: WindowBounds | undefined, workAreas: ReadonlyArray<{ x: number; y: number; width: number; height: number }>): WindowBounds | undefined {
  if (!bounds) return undefined;
  if (bounds.x === undefined || bounds.y === undefined) return bounds;
  const { x, y } = bounds;
  // The title bar (top 40 px, at least 100 px of it) must be reachable, or the user cannot move the window.
  const visible = workAreas.some((a) => {
    const overlapX = Math.min(x + bounds.width, a.x + a.width) - Math.max(x, a.x);
    return overlapX >= 100 && y >= a.y && y + 40 <= a.y + a.height;
  });
  return visible ? bounds : { width: Math.min(bounds.width, workAreas[0]?.width ?? bounds.width), height: Math.min(bounds.height, workAreas[0]?.height ?? bounds.height) };
}
