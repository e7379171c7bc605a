// The platform side of updates: electron-updater's autoUpdater (GitHub Releases, from the publish settings
// electron-builder writes into the package as app-update.yml) driven by the framework-free controller in
// electron/updates/. Never in development builds; the headless gateway has no updater at all.
import { app } from 'electron';
import electronUpdater from 'electron-updater';
import { UpdateController, type UpdaterLike } from '../updates/update-controller';

export interface UpdatesOptions {
  log: (line: string) => void;
  packaged?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Tests: the updater to drive instead of electron-updater's. */
  updater?: UpdaterLike;
}

export function createUpdates(opts: UpdatesOptions): UpdateController {
  const currentVersion = app.getVersion();
  const base = { currentVersion, productName: 'Loopgate', log: opts.log };
  const env = opts.env ?? process.env;
  if (!(opts.packaged ?? app.isPackaged)) {
    return new UpdateController({ ...base, updater: null, disabledReason: 'Updates are off in development builds.' });
  }
  if (env.LOOPGATE_UPDATES === 'off') {
    return new UpdateController({ ...base, updater: null, disabledReason: 'Updates are turned off (LOOPGATE_UPDATES=off).' });
  }
  // The autoUpdater getter builds the platform's updater on first access: only here, only when packaged.
  const updater = opts.updater ?? electronUpdater.autoUpdater;
  const u = updater as UpdaterLike & { logger?: unknown };
  // electron-updater's own lines go to our log (redacted there), not to the console.
  u.logger = { info: (m: unknown) => opts.log(`updater: ${String(m)}`), warn: (m: unknown) => opts.log(`updater: ${String(m)}`), error: (m: unknown) => opts.log(`updater: ${String(m).split('\n')[0]}`) };
  return new UpdateController({ ...base, updater });
}
