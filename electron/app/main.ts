// Composition root of the tray app: single instance, process hardening, the app:// renderer, the
// loopback gateway, IPC, window, tray and notifications. Everything here is wiring; each concern
// lives in its own module.
import { app, dialog, Menu, session, shell } from 'electron';
import { join } from 'node:path';
import { LoginItemController } from '../desktop/login-item';
import { startGateway, PortInUseError } from '../gateway/gateway';
import type { GatewayHandle } from '../gateway/gateway-handle';
import { logGatewayEvents } from '../logging/gateway-events';
import { Redactor } from '../logging/redact';
import { logsDir, RotatingLog } from '../logging/rotating-log';
import { loadOrCreateGatewayToken } from '../pairing/gateway-secret';
import { APP_ORIGIN } from './app-origin';
import { startAttachMode, wantsAttach, type AttachWish } from './gateway-mode';
import { registerDesktopIpc } from './desktop-ipc';
import { registerIpc, TrustedSenders } from './ipc';
import { askAboutTakenPort } from './port-conflict';
import { loginItemBackend, openedAtLogin } from './login-item';
import { RequestNotifier } from './notifications';
import { ApprovalNotifier } from './approval-notifications';
import { openPrefs } from './prefs';
import type { NotificationPrefs } from './prefs-migrations';
import { registerAppScheme, serveApp } from './protocol';
import { installSecurity } from './security';
import { LoopgateTray } from './tray';
import { createUpdates } from './updates';
import type { UpdateController } from '../updates/update-controller';
import { AppWindow } from './window';

export const APP_USER_MODEL_ID = 'dev.loopgate.app';
export const PRODUCT_NAME = 'Loopgate';

/**
 * Files next to the bundle: dist/electron/{main,preload}.cjs, dist/renderer/, build/icons/.
 * (build/bundle.mjs defines import.meta.dirname as __dirname in the CJS bundle.)
 */
export function bundlePaths(bundleDir: string): { preload: string; rendererDir: string; iconsDir: string; appIcon: string } {
  const iconsDir = join(bundleDir, '..', '..', 'build', 'icons');
  return { preload: join(bundleDir, 'preload.cjs'), rendererDir: join(bundleDir, '..', 'renderer'), iconsDir, appIcon: join(iconsDir, 'icon.png') };
}

/** LOOPGATE_PORT when it is a valid port; otherwise the gateway uses its config (default 18789). */
export function portFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

export interface AppController {
  gateway: GatewayHandle;
  window: AppWindow;
  tray: LoopgateTray;
  notifier: RequestNotifier;
  approvalNotifier: ApprovalNotifier;
  loginItem: LoginItemController;
  updates: UpdateController;
  logFile: RotatingLog;
  /** 'restart' installs a downloaded update and starts the new version. */
  quit(mode?: 'quit' | 'restart'): Promise<void>;
}

// Before the data folder is known, lines go to the console only; startApp adds <data>/logs/app.log.
// Warnings (a settings file or store the gateway could not use) go to stderr, the rest to stdout.
const consoleLog = (redactor: Redactor) => (line: string): void =>
  (line.startsWith('WARNING') ? console.error : console.log)(`[loopgate] ${redactor.redact(line)}`);
const earlyLog = consoleLog(new Redactor());

function fail(title: string, message: string, log: (line: string) => void = earlyLog): null {
  log(`${title}: ${message}`);
  dialog.showErrorBox(title, message);
  app.exit(1);
  return null;
}

async function startApp(openAtStart: boolean, startHidden: boolean, argv: readonly string[] = []): Promise<AppController | null> {
  // A tray utility: no Dock icon on macOS (LSUIElement in the packaged Info.plist does the same).
  app.dock?.hide();
  if (process.platform === 'darwin') {
    // Without an Edit menu, copy and paste do not work in the window's fields on macOS.
    Menu.setApplicationMenu(Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }]));
  } else {
    Menu.setApplicationMenu(null);
  }
  installSecurity(app, session.defaultSession);

  const home = process.env.LOOPGATE_HOME || app.getPath('userData');
  const paths = bundlePaths(import.meta.dirname);
  // Everything logged goes to the console and to <data>/logs/app.log, secrets redacted in both.
  const logFile = new RotatingLog(logsDir(home), { name: 'app' });
  const toConsole = consoleLog(logFile.redactor);
  const log = (line: string): void => {
    toConsole(line);
    logFile.write(line);
  };
  try {
    logFile.redactor.addSecret(await loadOrCreateGatewayToken(home));
  } catch {
    // the gateway reports an unusable data folder below
  }
  log(`Loopgate ${app.getVersion()} starting (data: ${home})`);
  const prefs = openPrefs(home, log);
  const port = portFromEnv(process.env.LOOPGATE_PORT);

  let gateway: GatewayHandle;
  const attachMode = (wish: AttachWish) => startAttachMode({ home, wish, rendererDir: paths.rendererDir, appOrigins: [APP_ORIGIN], log });
  const wish = wantsAttach(argv, process.env, prefs.get().gateway);
  try {
    gateway = wish ? await attachMode(wish) : await startGateway({ home, port, rendererDir: paths.rendererDir, appOrigins: [APP_ORIGIN], log });
  } catch (err) {
    if (wish || !(err instanceof PortInUseError || (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE')) {
      return fail(wish ? 'Loopgate cannot attach' : 'Loopgate cannot start', `${wish ? 'Attaching to the OpenClaw gateway' : 'The gateway'} did not start:\n\n${(err as Error)?.message ?? String(err)}\n\nData folder: ${home}`, log);
    }
    // Name who holds the port and offer the choices: attach to a gateway there, or move to a free port saved in Settings.
    const p = err instanceof PortInUseError ? err.port : port ?? 18789;
    const choice = await askAboutTakenPort(p, home, log);
    if (choice.kind === 'quit') {
      app.exit(1);
      return null;
    }
    if (choice.kind === 'attach') {
      prefs.setGateway({ mode: 'attach', url: `ws://127.0.0.1:${p}` });
      try {
        gateway = await attachMode({ url: `ws://127.0.0.1:${p}` });
      } catch (again) {
        return fail('Loopgate cannot attach', `Attaching to the gateway on port ${p} failed:\n\n${(again as Error)?.message ?? String(again)}`, log);
      }
    } else {
      try {
        gateway = await startGateway({ home, port: choice.port, rendererDir: paths.rendererDir, appOrigins: [APP_ORIGIN], log });
      } catch (again) {
        return fail('Loopgate cannot start', `The gateway did not start on port ${choice.port} either:\n\n${(again as Error)?.message ?? String(again)}`, log);
      }
    }
  }
  log(`${gateway.attachInfo ? 'window server for attach mode' : 'gateway'} listening on ${gateway.url} (data: ${home})`);
  const stopGatewayLog = logGatewayEvents(gateway, log);

  serveApp(paths.rendererDir, gateway.url);
  const trusted = new TrustedSenders();
  const disposeIpc = registerIpc(gateway, trusted);
  const window = new AppWindow({ preloadPath: paths.preload, trusted, prefs, iconPath: paths.appIcon, log });
  const openWindow = (requestId?: string): void => {
    if (requestId) window.openOnRequest(requestId);
    else window.show();
  };
  const openApproval = (approvalId: string): void => window.openOnApproval(approvalId);

  let quitting: Promise<void> | null = null;
  const quit = (mode: 'quit' | 'restart' = 'quit'): Promise<void> => {
    // Close the gateway first (clients get 'shutdown', the store is flushed), then install a downloaded
    // update if there is one (silently on quit; relaunching for "Restart to update"), then leave.
    quitting ??= (async () => {
      log(mode === 'restart' ? 'restarting to update' : 'quitting');
      gateway.approvals.setApprovalRoute(false);
      notifier.dispose();
      approvalNotifier.dispose();
      tray.destroy();
      window.destroy();
      disposeIpc();
      disposeDesktopIpc();
      clearInterval(loginItemPoll);
      stopGatewayLog();
      try {
        await gateway.close('Loopgate is quitting');
      } catch (err) {
        log(`gateway close failed: ${(err as Error).message}`);
      }
      updates.applyOnExit(mode);
      updates.dispose();
      app.exit(0);
    })();
    return quitting;
  };

  const loginItem = new LoginItemController({
    backend: loginItemBackend(),
    asked: { get: () => prefs.get().startAtLogin.asked, set: (v) => prefs.setStartAtLoginAsked(v) },
    log,
  });
  const updates = createUpdates({ log });
  const disposeDesktopIpc = registerDesktopIpc(trusted, {
    loginItem,
    updates,
    restartToUpdate: () => void quit('restart'),
    windows: () => {
      const wc = window.browserWindow?.webContents;
      return wc && !wc.isDestroyed() ? [wc] : [];
    },
  });
  const openLogs = (): void => {
    void shell.openPath(logsDir(home)).then((error) => error && log(`could not open the logs folder: ${error}`));
  };

  const notifier = new RequestNotifier({ gateway, openWindow, settings: () => prefs.get().notifications, iconPath: paths.appIcon, log }).start();
  const notifications = { get: () => prefs.get().notifications, set: (v: NotificationPrefs) => prefs.setNotifications(v) };
  const approvalNotifier = new ApprovalNotifier({ approvals: gateway.approvals, openApproval, settings: () => prefs.get().notifications, iconPath: paths.appIcon, log }).start();
  const desktop = {
    get: () => ({ loginItem: loginItem.peek(), update: updates.status() }),
    actions: {
      setLoginItem: (enabled: boolean) => void loginItem.set(enabled),
      checkForUpdates: () => void updates.check(),
      restartToUpdate: () => void quit('restart'),
      openLogs,
    },
  };
  const tray = new LoopgateTray({ gateway, openWindow, approvals: gateway.approvals, openApproval, quit: () => void quit(), iconsDir: paths.iconsDir, notifications, desktop, log }).start();
  // The tray and notifications are now an approval route: requests wait for the user instead of failing at once.
  gateway.approvals.setApprovalRoute(true);
  loginItem.onChange(() => tray.rebuild());
  updates.onChange(() => tray.rebuild());
  // Read back now, and now and then, so the tray notices an entry removed by hand (the window reads on its own).
  void loginItem.get();
  const loginItemPoll = setInterval(() => void loginItem.get(), 10 * 60_000);
  loginItemPoll.unref();
  updates.start();

  // Cmd+Q, OS logout, app.quit() from anywhere: same orderly path.
  app.on('before-quit', (event) => {
    event.preventDefault();
    void quit();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void quit());

  // First run (no saved window yet) or an explicit --show: let the user see the app exists. Started by the
  // login item: tray only.
  if (openAtStart || (!startHidden && prefs.get().window.bounds === undefined)) window.show();
  return { gateway, window, tray, notifier, approvalNotifier, loginItem, updates, logFile, quit };
}

export async function main(argv: readonly string[] = process.argv): Promise<AppController | null> {
  // One data folder however Electron was launched (packaged, `electron .`, `electron dist/electron/main.cjs`):
  // <appData>/Loopgate, the folder the CLI and the headless gateway use too (electron/cli/data-home.ts).
  // Before the single-instance lock, which is keyed by this folder.
  app.setName(PRODUCT_NAME);
  app.setPath('userData', join(app.getPath('appData'), PRODUCT_NAME));
  // Privileged schemes must be registered before 'ready'.
  registerAppScheme();
  // Windows toasts are attributed to this id (matches build appId and the NSIS shortcut).
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  if (!app.requestSingleInstanceLock()) {
    // The first instance gets 'second-instance' and shows its window.
    app.quit();
    return null;
  }
  let controller: AppController | null = null;
  let showWhenReady = argv.includes('--show');
  app.on('second-instance', () => {
    if (controller) controller.window.show();
    else showWhenReady = true;
  });
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});

  await app.whenReady();
  try {
    controller = await startApp(showWhenReady, openedAtLogin(argv), argv);
  } catch (err) {
    return fail('Loopgate failed', (err as Error)?.stack ?? String(err));
  }
  return controller;
}

export const started: Promise<AppController | null> = main();
