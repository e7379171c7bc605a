// Test support: a hand-written stand-in for the 'electron' module (Fiddle's tests/mocks/electron.ts idea),
// installed with node:test's mock.module('electron', …) before the module under test is imported.
// Only what the app uses, with records a test can assert on. Never imports 'electron' itself.
import { EventEmitter } from 'node:events';

export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

export function fakeEvent<T extends object>(extra?: T): FakeEvent & T {
  const ev = {
    defaultPrevented: false,
    preventDefault() {
      ev.defaultPrevented = true;
    },
    ...(extra ?? {}),
  };
  return ev as FakeEvent & T;
}

let nextWebContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextWebContentsId++;
  readonly sent: Array<[string, ...unknown[]]> = [];
  url = '';
  loading = false;
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly mainFrame = { url: '' };

  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isLoading(): boolean {
    return this.loading;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  focused = false;
  minimized = false;
  maximized = false;
  destroyed = false;
  bounds: { x: number; y: number; width: number; height: number };

  constructor(readonly options: Record<string, any>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    super();
    this.bounds = { x: options.x ?? 100, y: options.y ?? 100, width: options.width ?? 800, height: options.height ?? 600 };
    FakeBrowserWindow.instances.push(this);
    fake.app.emit('web-contents-created', fakeEvent(), this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    this.webContents.loading = true;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.webContents.loading = false;
        this.webContents.emit('did-finish-load');
        resolve();
      }),
    );
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.bounds };
  }
  setBounds(b: Partial<FakeBrowserWindow['bounds']>): void {
    this.bounds = { ...this.bounds, ...b };
    this.emit('resize');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** What clicking the window's close button does. */
  close(): void {
    const ev = fakeEvent();
    this.emit('close', ev);
    if (!ev.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroy();
    this.emit('closed');
  }
}

export class FakeNotification extends EventEmitter {
  static instances: FakeNotification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  shown = false;
  closed = false;
  constructor(readonly options: { title?: string; body?: string; silent?: boolean; actions?: Array<{ type: string; text: string }>; [k: string]: unknown }) {
    super();
    FakeNotification.instances.push(this);
  }
  show(): void {
    this.shown = true;
  }
  close(): void {
    this.closed = true;
  }
  /** Simulate the OS: a button press. */
  pressAction(actionIndex: number): void {
    this.emit('action', fakeEvent({ actionIndex, selectionIndex: -1 }), actionIndex, -1);
  }
  click(): void {
    this.emit('click', fakeEvent());
  }
}

export interface FakeMenu {
  template: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A menu item as tests read it from a template. */
export type FakeMenuItem = { id?: string; label?: string; type?: string; checked?: boolean; enabled?: boolean; click?: () => void; submenu?: FakeMenuItem[] };

/** The item with this id anywhere in the menu, submenus included. */
export function findMenuItem(items: FakeMenuItem[], id: string): FakeMenuItem | undefined {
  for (const it of items) {
    if (it.id === id) return it;
    const sub = it.submenu && findMenuItem(it.submenu, id);
    if (sub) return sub;
  }
  return undefined;
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  menu: FakeMenu | null = null;
  menusSet = 0;
  tooltip = '';
  title = '';
  image: unknown;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }
  setContextMenu(menu: FakeMenu | null): void {
    this.menu = menu;
    this.menusSet++;
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setTitle(t: string): void {
    this.title = t;
  }
  setImage(image: unknown): void {
    this.image = image;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

type Handler = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

class FakeApp extends EventEmitter {
  paths: Record<string, string> = { userData: '/nonexistent-userData', appData: '/nonexistent-appData' };
  singleInstanceLock = true;
  exitCode: number | null = null;
  quitCalled = false;
  appUserModelId: string | null = null;
  isPackaged = false;
  readonly dock = { hidden: false, hide: () => { this.dock.hidden = true; } };
  readyResolve!: () => void;
  readonly ready = new Promise<void>((r) => (this.readyResolve = r));
  getPath(name: string): string {
    const p = this.paths[name];
    if (!p) throw new Error(`fake app.getPath: ${name} not set`);
    return p;
  }
  setPath(name: string, path: string): void {
    this.paths[name] = path;
  }
  setName(name: string): void {
    this.name = name;
  }
  name = 'Electron';
  getVersion(): string {
    return '0.0.0-test';
  }
  getName(): string {
    return this.name;
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstanceLock;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  quit(): void {
    this.quitCalled = true;
  }
  exit(code = 0): void {
    this.exitCode = code;
  }
  focus(): void {}
  setAppUserModelId(id: string): void {
    this.appUserModelId = id;
  }
  /** The OS login-item registry as macOS and Windows keep it; tests flip `disabledByUser` / `status` like the OS would. */
  readonly loginItem = {
    calls: [] as Array<Record<string, unknown>>,
    openAtLogin: false,
    path: undefined as string | undefined,
    args: [] as string[],
    disabledByUser: false,
    status: 'not-registered' as string,
    wasOpenedAtLogin: false,
  };
  setLoginItemSettings(s: { openAtLogin?: boolean; path?: string; args?: string[]; enabled?: boolean }): void {
    const li = this.loginItem;
    li.calls.push({ ...s });
    li.openAtLogin = s.openAtLogin === true;
    li.path = s.path;
    li.args = s.args ?? [];
    if (s.enabled !== undefined) li.disabledByUser = !s.enabled;
    li.status = li.openAtLogin ? 'enabled' : 'not-registered';
  }
  getLoginItemSettings(opts: { path?: string; args?: string[] } = {}): Record<string, unknown> {
    const li = this.loginItem;
    // Windows compares path and args with what was registered (Electron's documented behaviour).
    const same = (opts.path === undefined || opts.path === li.path) && JSON.stringify(opts.args ?? []) === JSON.stringify(li.args);
    return {
      openAtLogin: li.openAtLogin && same,
      executableWillLaunchAtLogin: li.openAtLogin && !li.disabledByUser,
      wasOpenedAtLogin: li.wasOpenedAtLogin,
      status: li.status,
    };
  }
}

function createFake() {
  const ipcMainHandlers = new Map<string, Handler>();
  const ipcMainListeners = new Map<string, Handler[]>();
  const ipcRenderer = Object.assign(new EventEmitter(), {
    invocations: [] as Array<[string, ...unknown[]]>,
    invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      ipcRenderer.invocations.push([channel, ...args]);
      return Promise.resolve({ channel, args });
    },
  });
  const exposed = new Map<string, unknown>();
  const schemes: unknown[] = [];
  const protocolHandlers = new Map<string, Handler>();
  const sessionHandlers: Record<string, Handler | null> = {};
  const errorBoxes: Array<{ title: string; content: string }> = [];
  const messageBoxes: Array<{ title?: string; message: string; detail?: string; buttons?: string[] }> = [];
  /** The button index the next showMessageBox answers with. */
  const messageBoxAnswer = { response: 0 };
  let applicationMenu: FakeMenu | null | undefined;
  const app = new FakeApp();

  const exports = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Notification: FakeNotification,
    Tray: FakeTray,
    Menu: {
      buildFromTemplate: (template: unknown[]): FakeMenu => ({ template }),
      setApplicationMenu: (m: FakeMenu | null) => { applicationMenu = m; },
    },
    nativeImage: {
      createFromPath: (path: string) => ({ path, template: false, setTemplateImage(this: { template: boolean }, t: boolean) { this.template = t; } }),
    },
    ipcMain: {
      handle: (channel: string, fn: Handler) => {
        if (ipcMainHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        ipcMainHandlers.set(channel, fn);
      },
      removeHandler: (channel: string) => void ipcMainHandlers.delete(channel),
      on: (channel: string, fn: Handler) => {
        ipcMainListeners.set(channel, [...(ipcMainListeners.get(channel) ?? []), fn]);
      },
      removeAllListeners: (channel: string) => void ipcMainListeners.delete(channel),
    },
    ipcRenderer,
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
        exposed.set(key, api);
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (list: unknown[]) => void schemes.push(...list),
      handle: (scheme: string, fn: Handler) => void protocolHandlers.set(scheme, fn),
      unhandle: (scheme: string) => void protocolHandlers.delete(scheme),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Handler | null) => { sessionHandlers.permissionRequest = fn; },
        setPermissionCheckHandler: (fn: Handler | null) => { sessionHandlers.permissionCheck = fn; },
        setDevicePermissionHandler: (fn: Handler | null) => { sessionHandlers.devicePermission = fn; },
      },
    },
    dialog: {
      showErrorBox: (title: string, content: string) => void errorBoxes.push({ title, content }),
      showMessageBox: async (opts: { title?: string; message: string; detail?: string; buttons?: string[] }) => {
        messageBoxes.push(opts);
        return { response: messageBoxAnswer.response, checkboxChecked: false };
      },
    },
    screen: {
      getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    },
    shell: { openPath: async () => '' },
  };

  return {
    exports,
    app,
    ipcMainHandlers,
    ipcMainListeners,
    ipcRenderer,
    exposed,
    schemes,
    protocolHandlers,
    sessionHandlers,
    errorBoxes,
    messageBoxes,
    messageBoxAnswer,
    get applicationMenu() {
      return applicationMenu;
    },
    /** Call an ipcMain.handle handler the way Electron would for this sender and frame URL. */
    invoke(channel: string, sender: { id: number }, frameUrl: string | null, ...args: unknown[]): Promise<unknown> {
      const fn = ipcMainHandlers.get(channel);
      if (!fn) return Promise.reject(new Error(`No handler registered for '${channel}'`));
      const event = { sender, senderFrame: frameUrl === null ? null : { url: frameUrl } };
      return Promise.resolve().then(() => fn(event, ...args));
    },
  };
}

/** One fake per test process (each node:test file runs in its own process). */
export const fake = createFake();
export type Fake = typeof fake;
