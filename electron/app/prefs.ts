// App preferences on disk through electron-store (spec §5: window and notification settings only).
// The document carries its own `version`; upgrades are the pure steps in prefs-migrations.ts, not
// electron-store's semver-keyed migrations (unsupported upstream).
import { ipcMain } from 'electron';
import Store from 'electron-store';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { migratePrefs, type GatewayModePref, type NotificationPrefs, type Prefs } from './prefs-migrations';

export interface PrefsStore {
  get(): Prefs;
  setWindow(window: Prefs['window']): void;
  setNotifications(notifications: NotificationPrefs): void;
  setGateway(gateway: GatewayModePref): void;
  setStartAtLoginAsked(asked: boolean): void;
}

export const PREFS_NAME = 'preferences';

function openStore(dir: string): Store<Record<string, unknown>> {
  return new Store<Record<string, unknown>>({
    name: PREFS_NAME,
    cwd: dir,
    clearInvalidConfig: false, // never wipe silently; we move a corrupt file aside ourselves
    accessPropertiesByDotNotation: false,
    configFileMode: 0o600,
    watch: false,
  });
}

/** Open (and migrate) the prefs file in `dir`; a corrupt file is kept aside and defaults are used. */
export function openPrefs(dir: string, log: (line: string) => void = () => {}): PrefsStore {
  let store: Store<Record<string, unknown>>;
  try {
    store = openStore(dir);
  } catch (err) {
    // Only prefs are at stake, so recover — but keep the bad file for a bug report.
    const bad = join(dir, `${PREFS_NAME}.json`);
    const aside = `${bad}.corrupt-${Date.now()}`;
    try {
      renameSync(bad, aside);
      log(`preferences unreadable (${(err as Error).message}); moved to ${aside}`);
    } catch {
      log(`preferences unreadable (${(err as Error).message})`);
    }
    store = openStore(dir);
  }

  // electron-store registers a sync IPC channel for renderer-side stores; we have none, and every IPC
  // channel should be ours and sender-checked (ipc.ts), so take it down again.
  ipcMain.removeAllListeners('electron-store-get-data');

  const { prefs: initial, changed, fromNewer } = migratePrefs(store.store);
  let current = initial;
  // A file from a newer Loopgate stays untouched; this session's changes live in memory only.
  const writable = !fromNewer;
  if (changed && writable) store.store = { ...current };

  const save = (next: Prefs): void => {
    current = next;
    if (!writable) return;
    try {
      store.store = { ...next };
    } catch (err) {
      log(`could not save preferences: ${(err as Error).message}`);
    }
  };

  return {
    get: () => structuredClone(current),
    setWindow: (window) => save({ ...current, window: { ...window } }),
    setNotifications: (notifications) => save({ ...current, notifications: { ...notifications } }),
    setGateway: (gateway) => save({ ...current, gateway: { ...gateway } }),
    setStartAtLoginAsked: (asked) => save({ ...current, startAtLogin: { asked } }),
  };
}
