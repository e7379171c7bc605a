// The window's only bridge to the main process: a few functions on `window.loopgate`, no raw ipcRenderer
// (context-isolation.md "bad code"). Bundled to one CJS file that requires only 'electron', so
// `sandbox: true` holds.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ConnectInfo, InvokeChannels, LoginItemState, LoopgateBridge, SendChannels, UpdateStatus } from '../../shared/ipc-contract';

const CONNECT_INFO: keyof InvokeChannels = 'gateway:connect-info';
const SHOW_REQUEST: keyof SendChannels = 'window:show-request';
const SHOW_APPROVAL: keyof SendChannels = 'window:show-approval';

/** Subscribe to one main → renderer channel that carries a state object; only objects reach the page. */
function subscribe<T>(channel: keyof SendChannels, cb: (value: T) => void): () => void {
  const listener = (_event: IpcRendererEvent, value: unknown): void => {
    if (typeof value === 'object' && value !== null) cb(value as T);
  };
  ipcRenderer.on(channel, listener);
  return () => void ipcRenderer.removeListener(channel, listener);
}
const invoke = <K extends keyof InvokeChannels>(channel: K, ...args: Parameters<InvokeChannels[K]>) => ipcRenderer.invoke(channel, ...args) as ReturnType<InvokeChannels[K]>;

/**
 * Subscriptions to one main → window channel that carries an id. An id sent before React subscribed (the window
 * was just created for it) is kept and handed to the first subscriber, so "click the notification" always lands.
 */
function idChannel(channel: keyof SendChannels): (cb: (id: string) => void) => () => void {
  let undelivered: string | null = null;
  let subscribers = 0;
  ipcRenderer.on(channel, (_event: IpcRendererEvent, id: unknown) => {
    if (typeof id === 'string' && subscribers === 0) undelivered = id;
  });
  return (cb) => {
    const listener = (_event: IpcRendererEvent, id: unknown): void => {
      if (typeof id === 'string') cb(id);
    };
    ipcRenderer.on(channel, listener);
    subscribers++;
    if (undelivered !== null) {
      const id = undelivered;
      undelivered = null;
      queueMicrotask(() => cb(id));
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipcRenderer.removeListener(channel, listener);
      subscribers--;
    };
  };
}

const onShowRequest = idChannel(SHOW_REQUEST);
const onShowApproval = idChannel(SHOW_APPROVAL);

const bridge: LoopgateBridge = {
  // No arguments cross: the renderer cannot pass anything to the handler.
  connectInfo: () => ipcRenderer.invoke(CONNECT_INFO) as Promise<ConnectInfo>,
  onShowRequest: (cb) => onShowRequest(cb),
  onShowApproval: (cb) => onShowApproval(cb),
  loginItem: () => invoke('login-item:get'),
  // Exactly one boolean crosses, whatever the page passes.
  setLoginItem: (enabled) => invoke('login-item:set', enabled === true),
  onLoginItemChanged: (cb) => subscribe<LoginItemState>('login-item:changed', cb),
  updateStatus: () => invoke('updates:get'),
  checkForUpdates: () => invoke('updates:check'),
  restartToUpdate: () => invoke('updates:restart'),
  onUpdateStatus: (cb) => subscribe<UpdateStatus>('updates:changed', cb),
};

contextBridge.exposeInMainWorld('loopgate', bridge);
