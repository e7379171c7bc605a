// The one typed map of every IPC channel between the main process and the window (GitHub Desktop style).
// Types only: main (ipc.ts), the preload and the renderer's `window.loopgate` typing all derive from it,
// so a drifting channel or signature breaks `tsc`, not a user.

export interface ConnectInfo {
  /** ws://127.0.0.1:PORT — the gateway the window talks to over the normal protocol. */
  url: string;
  /** A fresh one-time owner credential, minted per call; never stored by the main process. */
  credential: string;
}

/** renderer → main, request/response (ipcRenderer.invoke / ipcMain.handle). */
export interface InvokeChannels {
  'gateway:connect-info': () => Promise<ConnectInfo>;
}

/** main → renderer, fire and forget (webContents.send / ipcRenderer.on). */
export interface SendChannels {
  'window:show-request': (requestId: string) => void;
  /** Open the Approvals view on one exec approval (notification or tray). */
  'window:show-approval': (approvalId: string) => void;
}

/** What the preload exposes as `window.loopgate` — and nothing else. */
export interface LoopgateBridge {
  connectInfo(): Promise<ConnectInfo>;
  /** Called when the user picked a request in a notification or the tray; returns an unsubscribe. */
  onShowRequest(cb: (requestId: string) => void): () => void;
  /** Called when the user picked an exec approval in a notification or the tray; returns an unsubscribe. */
  onShowApproval(cb: (approvalId: string) => void): () => void;
}

export type BridgeKey = keyof LoopgateBridge;
