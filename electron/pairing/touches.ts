// lastSeen / token lastUsed updates: kept in memory and written in batches (1000 reconnects ≠ 1000 writes).
import type { PairedDevice, TokenRecord } from './store-schema';

export interface TouchPatch {
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  remoteIp?: string;
  /** With tokenLastUsedAtMs: the role whose token was just used. */
  tokenRole?: string;
  tokenLastUsedAtMs?: number;
}

/** Touch fields waiting to be written for one device. */
export interface PendingTouch {
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  remoteIp?: string;
  tokenLastUsed?: Record<string, number>;
}

export function touchFromPatch(patch: TouchPatch): PendingTouch {
  const t: PendingTouch = {};
  if (patch.lastSeenAtMs !== undefined) t.lastSeenAtMs = patch.lastSeenAtMs;
  if (patch.lastSeenReason !== undefined) t.lastSeenReason = patch.lastSeenReason;
  if (patch.remoteIp !== undefined) t.remoteIp = patch.remoteIp;
  if (patch.tokenRole !== undefined && patch.tokenLastUsedAtMs !== undefined) t.tokenLastUsed = { [patch.tokenRole]: patch.tokenLastUsedAtMs };
  return t;
}

/** Newest wins for lastSeen (with its reason and address); token use times only move forward. */
function applyLastSeen(target: { lastSeenAtMs?: number; lastSeenReason?: string; remoteIp?: string }, t: PendingTouch): void {
  if (t.lastSeenAtMs !== undefined && t.lastSeenAtMs < (target.lastSeenAtMs ?? -Infinity)) return;
  if (t.lastSeenAtMs !== undefined) target.lastSeenAtMs = t.lastSeenAtMs;
  if (t.lastSeenReason !== undefined) target.lastSeenReason = t.lastSeenReason;
  if (t.remoteIp !== undefined) target.remoteIp = t.remoteIp;
}

export function applyTouch(device: PairedDevice, t: PendingTouch): void {
  applyLastSeen(device, t);
  if (!t.tokenLastUsed) return;
  for (const [role, ms] of Object.entries(t.tokenLastUsed)) {
    const token = Object.hasOwn(device.tokens, role) ? device.tokens[role] : undefined;
    if (token && ms > (token.lastUsedAtMs ?? -Infinity)) token.lastUsedAtMs = ms;
  }
}

export function mergeTouch(into: PendingTouch, t: PendingTouch): void {
  applyLastSeen(into, t);
  if (!t.tokenLastUsed) return;
  into.tokenLastUsed ??= {};
  for (const [role, ms] of Object.entries(t.tokenLastUsed)) {
    if (ms > (into.tokenLastUsed[role] ?? -Infinity)) into.tokenLastUsed[role] = ms;
  }
}

/** Null-prototype token maps: a role like "constructor" or "__proto__" from a client finds nothing. */
export function withSafeTokens(device: PairedDevice): PairedDevice {
  device.tokens = Object.assign(Object.create(null) as Record<string, TokenRecord>, device.tokens);
  return device;
}

