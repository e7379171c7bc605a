// The one typed map of every IPC channel between the main process and the window (GitHub Desktop style).
// Types only: main (ipc.ts), the preload and the renderer's `window.loopgate` typing all derive from it,
// so a drifting channel or signature breaks `tsc`, not a user.

export interface ConnectInfo {
  /** ws://127.0.0.1:PORT — the gateway the window talks to over the normal protocol. */
  url: string;
  /** A fresh one-time owner credential, minted per call; never stored by the main process. */
  credential: string;
}

/** Start at login: one state for the first-run question, the tray toggle and the Settings switch. */
export interface LoginItemState {
  /** Read back from the system (the XDG autostart entry, the OS login items), not from preferences. */
  enabled: boolean;
  /** False where Loopgate cannot register itself (e.g. a Linux build without a desktop session folder). */
  supported: boolean;
  /** The first-run question was answered (either way). */
  asked: boolean;
  /** Where the entry lives (Linux), for Settings. */
  location?: string;
  /** Why it could not be read or changed, in words. */
  problem?: string;
}

export type UpdatePhase = 'disabled' | 'idle' | 'checking' | 'up-to-date' | 'downloading' | 'ready' | 'error';
/** Why the last check or download failed (or what the feed offered that was refused). */
export type UpdateProblem = 'offline' | 'corrupt-feed' | 'older-version' | 'different-app' | 'bad-checksum' | 'failed';

export interface UpdateStatus {
  phase: UpdatePhase;
  currentVersion: string;
  /** When the last check finished (successfully or not). */
  lastCheckAtMs?: number;
  /** When the next automatic check is due. */
  nextCheckAtMs?: number;
  /** The newer version being downloaded or ready to install. */
  version?: string;
  progressPercent?: number;
  /** What to tell the user: why updates are off, what failed, what was refused. */
  message?: string;
  problem?: UpdateProblem;
}

/** renderer → main, request/response (ipcRenderer.invoke / ipcMain.handle). */
export interface InvokeChannels {
  'gateway:connect-info': () => Promise<ConnectInfo>;
  'login-item:get': () => Promise<LoginItemState>;
  'login-item:set': (enabled: boolean) => Promise<LoginItemState>;
  'updates:get': () => Promise<UpdateStatus>;
  'updates:check': () => Promise<UpdateStatus>;
  /** Quit and install the downloaded update, then start again. */
  'updates:restart': () => Promise<void>;
}

/** main → renderer, fire and forget (webContents.send / ipcRenderer.on). */
export interface SendChannels {
  'window:show-request': (requestId: string) => void;
  /** Open the Approvals view on one exec approval (notification or tray). */
  'window:show-approval': (approvalId: string) => void;
  'login-item:changed': (state: LoginItemState) => void;
  'updates:changed': (status: UpdateStatus) => void;
}

/** What the preload exposes as `window.loopgate` — and nothing else. */
export interface LoopgateBridge {
  connectInfo(): Promise<ConnectInfo>;
  /** Called when the user picked a request in a notification or the tray; returns an unsubscribe. */
  onShowRequest(cb: (requestId: string) => void): () => void;
  /** Called when the user picked an exec approval in a notification or the tray; returns an unsubscribe. */
  onShowApproval(cb: (approvalId: string) => void): () => void;
  loginItem(): Promise<LoginItemState>;
  setLoginItem(enabled: boolean): Promise<LoginItemState>;
  onLoginItemChanged(cb: (state: LoginItemState) => void): () => void;
  updateStatus(): Promise<UpdateStatus>;
  checkForUpdates(): Promise<UpdateStatus>;
  restartToUpdate(): Promise<void>;
  onUpdateStatus(cb: (status: UpdateStatus) => void): () => void;
}

export type BridgeKey = keyof LoopgateBridge;
