// The window's only bridge to the main process: three functions on `window.loopgate`, no raw ipcRenderer
// (context-isolation.md "bad code"). Bundled to one CJS file that requires only 'electron', so
// `sandbox: true` holds.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ConnectInfo, InvokeChannels, LoopgateBridge, SendChannels } from '../../shared/ipc-contract';

const CONNECT_INFO: keyof InvokeChannels = 'gateway:connect-info';
const SHOW_REQUEST: keyof SendChannels = 'window:show-request';
const SHOW_APPROVAL: keyof SendChannels = 'window:show-approval';

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
};

contextBridge.exposeInMainWorld('loopgate', bridge);
