// The running gateway as the rest of the main process sees it (tray, notifications, window, CLI, tests).
import type { ConfigHealth, GatewayConfig } from '../../shared/config';
import type { PairResolvedEvent, PendingRequestView, StoreHealth } from '../../shared/pairing-types';
import type { ApprovalsHandle } from '../approvals/approvals-handle';
import type { Attributor } from '../attribution/attributor';

export interface GatewayOptions {
  /** Data folder: pairing store, audit log, gateway token, config. Created 0700. */
  home: string;
  /** 0 picks a free port. Default 18789. */
  port?: number;
  /** Folder holding the built renderer (index.html, assets/); served at http://127.0.0.1:PORT/. */
  rendererDir?: string;
  /** Extra browser origins allowed to connect, e.g. the Electron window's app origin "app://loopgate". */
  appOrigins?: string[];
  /** Shorter timers for tests. */
  timing?: Partial<GatewayTiming>;
  log?: (line: string) => void;
  /** Who is asking: the process attribution to use (default: the one that works on this OS). */
  attributor?: Attributor;
}

export interface GatewayTiming {
  handshakeTimeoutMs: number;
  tickIntervalMs: number;
  pendingTtlMs: number;
  denyCooldownMs: number;
  lastSeenFlushMs: number;
  /** Overrides the `approvals.timeoutMs` setting (tests). */
  approvalTimeoutMs?: number;
  /** Quiet time after which a grown heap is given back (default memory/idle-trim.ts QUIET_MS). */
  idleTrimQuietMs?: number;
  /** How often lapsed per-client entries are swept when nothing else sweeps them (default memory/gateway-memory.ts). */
  memorySweepMs?: number;
}

export interface ApproveResult {
  requestId: string;
  deviceId: string;
}

export interface GatewayEvents {
  /** A request that waits for the user was created or replaced (never fired for silent approvals). */
  request: (req: PendingRequestView) => void;
  /** A request left the queue: approved, rejected, expired, superseded. */
  resolved: (ev: PairResolvedEvent) => void;
  /** The pending list changed in any way. */
  pending: (list: PendingRequestView[]) => void;
  store: (health: StoreHealth) => void;
  /** Settings changed (from the window, the CLI or the tray), e.g. pairing paused; configHealth() may be ok again. */
  config: (config: GatewayConfig) => void;
  /** Attach mode only: the connection to the OpenClaw gateway changed (connected, reconnecting, token refused…). */
  attach: (info: AttachSummary) => void;
}

/** Attach mode: which OpenClaw gateway Loopgate relays, and how the connection is, in one sentence. */
export interface AttachSummary {
  status: string;
  url: string;
  text: string;
}

export interface GatewayHandle {
  readonly port: number;
  /** ws://127.0.0.1:PORT */
  readonly url: string;
  readonly home: string;
  /** Mint a one-time owner credential (full authority, device-less) for the window. */
  issueOwnerCredential(): string;
  /** http://127.0.0.1:PORT/#<one-time credential> */
  dashboardUrl(): string;
  pending(): PendingRequestView[];
  storeHealth(): StoreHealth;
  /** Not ok: the settings file was unusable; the gateway runs with silent approval off and pairing paused. */
  configHealth(): ConfigHealth;
  approve(requestId: string): Promise<ApproveResult>;
  reject(requestId: string): Promise<ApproveResult>;
  setPairingPaused(paused: boolean): Promise<void>;
  pairingPaused(): boolean;
  on<K extends keyof GatewayEvents>(event: K, listener: GatewayEvents[K]): () => void;
  /** Exec approvals, 30-minute grants and node command surfaces (tray, notifications, window IPC). */
  readonly approvals: ApprovalsHandle;
  /** Attach mode only: the OpenClaw gateway this Loopgate relays (absent when it hosts its own gateway). */
  attachInfo?(): AttachSummary;
  close(reason?: string): Promise<void>;
}
