// What the gateway says about devices, requests and decisions on the wire (device.pair.list, events, audit).
import type { PeerAttribution, ProgramRef } from './attribution';

export interface TokenSummary {
  role: string;
  scopes: string[];
  createdAtMs: number;
  rotatedAtMs?: number;
  revokedAtMs?: number;
  lastUsedAtMs?: number;
}

/** What a device says about itself (never a basis for a decision; shown marked as reported). */
export interface ReportedClient {
  displayName?: string;
  platform?: string;
  deviceFamily?: string;
  clientId?: string;
  clientMode?: string;
}

/** When and how a device was approved and last seen: the same in the store and on the wire. */
export interface PairingHistory {
  remoteIp?: string;
  approvedVia?: string;
  createdAtMs: number;
  approvedAtMs: number;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
}

/** Which program a device was approved from and last connected from (observed by the gateway, not reported). */
export interface ProgramHistory {
  approvedFrom?: ProgramRef;
  lastFrom?: ProgramRef;
}

/** What the user called a device (device.pair.rename): never mixed with what the device reports. */
export interface UserLabel {
  /** OpenClaw's name for it; shown as the device's name, with the reported name beside it. */
  operatorLabel?: string;
}

export interface PairedDeviceView extends ReportedClient, PairingHistory, ProgramHistory, UserLabel {
  deviceId: string;
  publicKey: string;
  fingerprint: string;
  role?: string;
  roles: string[];
  scopes: string[];
  approvedScopes: string[];
  connected: boolean;
  tokens: TokenSummary[];
  /** The device last connected from another program than the one it was approved from. */
  programChanged?: boolean;
}

export interface PendingRequestView extends ReportedClient {
  requestId: string;
  deviceId: string;
  publicKey: string;
  fingerprint: string;
  role: string;
  roles: string[];
  scopes: string[];
  remoteIp?: string;
  silent: boolean;
  isRepair: boolean;
  ts: number;
  /** Loopgate additions: why, from where, what is already held, when it lapses. */
  reason: string;
  locality: 'local' | 'browser' | 'remote';
  sourceAddress: string;
  origin?: string;
  heldRoles: string[];
  heldScopes: string[];
  /** Exactly what Approve gives: the device's roles afterwards, and the new token's scopes for `role`. */
  grant: { roles: string[]; scopes: string[] };
  createdAtMs: number;
  expiresAtMs: number;
  /** Who is asking: the local process behind the connection, as the OS reports it. */
  attribution?: PeerAttribution;
  /** With a program change: the program the device was approved from. */
  approvedFrom?: ProgramRef;
  programChanged?: boolean;
  /** What the per-source cap counts by: the program (executable and OS user) for loopback peers when known. */
  capKey?: string;
}

export interface PairResolvedEvent {
  requestId: string;
  deviceId: string;
  decision: 'approved' | 'rejected';
  ts: number;
  /** Loopgate additions. */
  reason?: string;
  silent?: boolean;
  cause?: 'approved' | 'rejected' | 'expired' | 'superseded' | 'removed';
}

export interface AuditEntry {
  ts: number;
  deviceId: string;
  reason: string;
  decision: 'approved' | 'rejected' | 'expired' | 'superseded' | 'requested' | 'removed' | 'token-rotated' | 'token-revoked' | 'narrowed' | 'renamed';
  by: string;
  silent: boolean;
  role?: string;
  scopes?: string[];
  requestId?: string;
  address?: string;
  locality?: 'local' | 'browser' | 'remote';
  displayName?: string;
  /** What the entry is about; absent means device pairing. */
  kind?: 'exec-approval' | 'node-commands';
  /** Exec approvals: the command, where it runs, who asked and how it ended. */
  exec?: ExecAuditDetail;
  /** Node command surfaces: the commands and caps asked for or approved. */
  commands?: string[];
  caps?: string[];
  /** The program behind the connection, e.g. "node (claude) · PID 4242". */
  program?: string;
}

export interface ExecAuditDetail {
  approvalId: string;
  command: string;
  cwd: string | null;
  nodeId: string | null;
  agentId: string | null;
  sessionKey: string | null;
  /** Who asked (the requesting connection's label). */
  requester: string;
  /** allow-once | allow-always | allow-for-30-minutes | deny; null when it timed out or had no route. */
  decision?: string | null;
  terminalReason?: string;
  grantId?: string;
}

export interface StoreHealth {
  ok: boolean;
  /** Set when the store file was unreadable and moved aside; the gateway then fails closed. */
  quarantinedTo?: string;
  error?: string;
  /** The store is usable but something was repaired (a journal record torn by a crash was cut off). */
  notice?: string;
}

/**
 * `loopgate.devices`: what changed about paired devices, batched. `connected` patches the "connected now"
 * flag of the devices listed without a refetch; `changed: true` means records changed (approved, removed,
 * rotated, narrowed, last seen): fetch device.pair.list again.
 */
export interface DevicesChangedEvent {
  ts: number;
  connected?: Record<string, boolean>;
  changed?: boolean;
}
