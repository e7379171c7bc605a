// The one window: a sandboxed, context-isolated page on app://loopgate. Closing hides it (the tray app
// keeps running); its size and place are remembered in prefs.
import { app, BrowserWindow, screen, type BrowserWindowConstructorOptions } from 'electron';
import { APP_INDEX_URL } from './app-origin';
import { send, type TrustedSenders } from './ipc';
import { boundsOnScreen, DEFAULT_HEIGHT, DEFAULT_WIDTH, MIN_HEIGHT, MIN_WIDTH, type WindowBounds } from './prefs-migrations';
import type { PrefsStore } from './prefs';

export interface AppWindowDeps {
  preloadPath: string;
  trusted: TrustedSenders;
  prefs: Pick<PrefsStore, 'get' | 'setWindow'>;
  url?: string;
  iconPath?: string;
  /** Production builds: no DevTools (less to attack, nothing to paste scripts into). */
  devTools?: boolean;
  platform?: NodeJS.Platform;
  log?: (line: string) => void;
}

/** The security-relevant options in one place (Electron checklist #2–#4, #6, #8–#12). */
export function windowOptions(preloadPath: string, bounds: WindowBounds | undefined, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    title: 'Loopgate',
    width: bounds?.width ?? DEFAULT_WIDTH,
    height: bounds?.height ?? DEFAULT_HEIGHT,
    ...(bounds?.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools,
    },
  };
}

export class AppWindow {
  private win: BrowserWindow | null = null;
  private quitting = false;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly platform: NodeJS.Platform;

  constructor(private readonly deps: AppWindowDeps) {
    this.platform = deps.platform ?? process.platform;
  }

  get browserWindow(): BrowserWindow | null {
    return this.win;
  }

  /** Show and focus the window, creating it on first use. */
  show(): BrowserWindow {
    const win = this.ensure();
    if (win.isMinimized()) win.restore();
    win.show();
    // A dock-less (LSUIElement) app is never frontmost by itself.
    if (this.platform === 'darwin') app.focus({ steal: true });
    win.focus();
    return win;
  }

  /** Show the window on one request (notification click, tray item). */
  openOnRequest(requestId: string): void {
    this.showOn('window:show-request', requestId);
  }

  /** Show the window's Approvals view on one exec approval (notification click, tray item). */
  openOnApproval(approvalId: string): void {
    this.showOn('window:show-approval', approvalId);
  }

  private showOn(channel: 'window:show-request' | 'window:show-approval', id: string): void {
    const win = this.show();
    const wc = win.webContents;
    // The preload holds the id until the page subscribes, so sending right after load is enough.
    if (wc.isLoading()) wc.once('did-finish-load', () => send(wc, channel, id));
    else send(wc, channel, id);
  }

  /** From now on 'close' really closes (quitting). */
  allowClose(): void {
    this.quitting = true;
  }

  destroy(): void {
    this.allowClose();
    this.flushBounds();
    if (this.win && !this.win.isDestroyed()) this.win.destroy();
    this.win = null;
  }

  private ensure(): BrowserWindow {
    if (this.win && !this.win.isDestroyed()) return this.win;
    const saved = this.deps.prefs.get().window;
    const bounds = boundsOnScreen(saved.bounds, screen.getAllDisplays().map((d) => d.workArea));
    const win = new BrowserWindow({
      ...windowOptions(this.deps.preloadPath, bounds, this.deps.devTools ?? !app.isPackaged),
      ...(this.deps.iconPath && this.platform === 'linux' ? { icon: this.deps.iconPath } : {}),
    });
    this.win = win;
    // Trust is per webContents and dies with it (ipc.ts).
    this.deps.trusted.add(win.webContents);
    if (saved.maximized) win.maximize();

    win.on('close', (event) => {
      this.flushBounds();
      if (this.quitting) return;
      event.preventDefault();
      win.hide();
    });
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
    const later = (): void => this.scheduleSave();
    win.on('resize', later);
    win.on('move', later);
    win.on('maximize', later);
    win.on('unmaximize', later);

    win.loadURL(this.deps.url ?? APP_INDEX_URL).catch((err: unknown) => this.deps.log?.(`window load failed: ${(err as Error).message ?? err}`));
    return win;
  }

  private scheduleSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.flushBounds(), 500);
  }

  private flushBounds(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const win = this.win;
    if (!win || win.isDestroyed()) return;
    const b = win.getNormalBounds();
    this.deps.prefs.setWindow({ bounds: { x: b.x, y: b.y, width: b.width, height: b.height }, maximized: win.isMaximized() });
  }
}
