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
  /** Whether the window's first-run "start at login?" question was answered. The setting itself lives in the OS. */
  startAtLogin: { asked: boolean };
}

export type Prefs = PrefsV1;
export const PREFS_VERSION = 1;

export const MIN_WIDTH = 640;
export const MIN_HEIGHT = 420;
export const DEFAULT_WIDTH = 1100;
export const DEFAULT_HEIGHT = 720;
const MAX_EDGE = 100_000;

export function defaultPrefs(): Prefs {
  return { version: 1, window: { maximized: false }, notifications: { enabled: true, sound: true }, startAtLogin: { asked: false } };
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
    startAtLogin: d.startAtLogin,
  };
}

/** Re-check a v1 document field by field; anything malformed takes its default. */
export function validateV1(raw: Record<string, unknown>): PrefsV1 {
  const d = defaultPrefs();
  const win = isObject(raw.window) ? raw.window : {};
  const n = isObject(raw.notifications) ? raw.notifications : {};
  const login = isObject(raw.startAtLogin) ? raw.startAtLogin : {};
  const bounds = sanitizeBounds(win.bounds);
  return {
    version: 1,
    window: { ...(bounds ? { bounds } : {}), maximized: win.maximized === true },
    notifications: {
      enabled: typeof n.enabled === 'boolean' ? n.enabled : d.notifications.enabled,
      sound: typeof n.sound === 'boolean' ? n.sound : d.notifications.sound,
    },
    startAtLogin: { asked: login.asked === true },
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
    const prefs = upgradeV0toV1(raw as PrefsV0);
    return { prefs, changed: true, fromNewer: false };
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { prefs: defaultPrefs(), changed: true, fromNewer: false };
  }
  if (version > PREFS_VERSION) {
    return { prefs: validateV1(raw), changed: false, fromNewer: true };
  }
  // version === 1 (add `if (version === 1) doc = upgradeV1toV2(doc)` here when v2 arrives)
  const prefs = validateV1(raw);
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
