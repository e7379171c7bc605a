// The window's only bridge to the main process: two functions on `window.loopgate`, no raw ipcRenderer
// (context-isolation.md "bad code"). Bundled to one CJS file that requires only 'electron', so
// `sandbox: true` holds.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ConnectInfo, InvokeChannels, LoopgateBridge, SendChannels } from '../../shared/ipc-contract';

const CONNECT_INFO: keyof InvokeChannels = 'gateway:connect-info';
const SHOW_REQUEST: keyof SendChannels = 'window:show-request';

// A request picked before React subscribed (the window was just created for it) is kept and handed
// to the first subscriber, so "click the notification" always lands on the request.
let undelivered: string | null = null;
let subscribers = 0;
ipcRenderer.on(SHOW_REQUEST, (_event: IpcRendererEvent, requestId: unknown) => {
  if (typeof requestId === 'string' && subscribers === 0) undelivered = requestId;
});

const bridge: LoopgateBridge = {
  // No arguments cross: the renderer cannot pass anything to the handler.
  connectInfo: () => ipcRenderer.invoke(CONNECT_INFO) as Promise<ConnectInfo>,
  onShowRequest(cb) {
    const listener = (_event: IpcRendererEvent, requestId: unknown): void => {
      if (typeof requestId === 'string') cb(requestId);
    };
    ipcRenderer.on(SHOW_REQUEST, listener);
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
      ipcRenderer.removeListener(SHOW_REQUEST, listener);
      subscribers--;
    };
  },
};

contextBridge.exposeInMainWorld('loopgate', bridge);
