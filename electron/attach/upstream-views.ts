// OpenClaw's device.pair.list entries and pairing events, turned into the views Loopgate's window, tray and
// notifications already show. What OpenClaw does not say (why a request was made, how long it waits) is worked
// out from what it does say; what a device reports stays marked as reported, cleaned like Loopgate's own.
import { fingerprintOf } from '../../shared/device-auth';
import { approvedRolesOf, approvedScopesOf, pairingReason } from '../../shared/pairing-decision';
import type { PairedDeviceView, PendingRequestView, TokenSummary } from '../../shared/pairing-types';
import { cleanReported } from '../../shared/reported-text';
import { normalizeScopes } from '../../shared/scopes';

/** OpenClaw does not send its pending lifetime; this is what the window shows as the expiry. */
export const UPSTREAM_PENDING_TTL_MS = 5 * 60_000;

type Raw = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

function reported(r: Raw): Partial<PendingRequestView> {
  const out: Partial<PendingRequestView> = {};
  for (const key of ['displayName', 'platform', 'deviceFamily', 'clientId', 'clientMode'] as const) {
    const v = cleanReported(str(r[key]), 64);
    if (v) out[key] = v;
  }
  return out;
}

export function pairedView(r: Raw): PairedDeviceView | null {
  const deviceId = str(r.deviceId);
  const publicKey = str(r.publicKey);
  if (!deviceId || !publicKey) return null;
  const facts = { publicKey, role: str(r.role), roles: Array.isArray(r.roles) ? strings(r.roles) : undefined, scopes: Array.isArray(r.scopes) ? strings(r.scopes) : undefined, approvedScopes: Array.isArray(r.approvedScopes) ? strings(r.approvedScopes) : undefined };
  const tokens: TokenSummary[] = (Array.isArray(r.tokens) ? r.tokens : []).flatMap((t: unknown) => {
    const tok = t as Raw;
    const role = str(tok?.role);
    if (!role) return [];
    return [{
      role, scopes: strings(tok.scopes), createdAtMs: num(tok.createdAtMs) ?? 0,
      ...(num(tok.rotatedAtMs) ? { rotatedAtMs: num(tok.rotatedAtMs) } : {}), ...(num(tok.revokedAtMs) ? { revokedAtMs: num(tok.revokedAtMs) } : {}),
      ...(num(tok.lastUsedAtMs) ? { lastUsedAtMs: num(tok.lastUsedAtMs) } : {}),
    }];
  });
  const label = cleanReported(str(r.operatorLabel), 64);
  return {
    deviceId, publicKey, fingerprint: fingerprintOf(deviceId), ...reported(r),
    ...(label ? { operatorLabel: label } : {}),
    ...(str(r.role) ? { role: str(r.role) } : {}),
    roles: approvedRolesOf(facts), scopes: normalizeScopes(facts.scopes ?? approvedScopesOf(facts)), approvedScopes: approvedScopesOf(facts),
    ...(str(r.remoteIp) ? { remoteIp: str(r.remoteIp) } : {}), ...(str(r.approvedVia) ? { approvedVia: str(r.approvedVia) } : {}),
    createdAtMs: num(r.createdAtMs) ?? 0, approvedAtMs: num(r.approvedAtMs) ?? num(r.createdAtMs) ?? 0,
    ...(num(r.lastSeenAtMs) ? { lastSeenAtMs: num(r.lastSeenAtMs) } : {}), ...(str(r.lastSeenReason) ? { lastSeenReason: str(r.lastSeenReason) } : {}),
    connected: r.connected === true, tokens,
  };
}

/**
 * A pending request as Loopgate shows it. The reason comes from the request when the gateway says it (Loopgate
 * does), else from comparing it with what the device already holds on that gateway.
 */
export function pendingView(r: Raw, paired: ReadonlyMap<string, PairedDeviceView>): PendingRequestView | null {
  const requestId = str(r.requestId);
  const deviceId = str(r.deviceId);
  const publicKey = str(r.publicKey) ?? '';
  if (!requestId || !deviceId) return null;
  const roles = normalizeScopes(strings(r.roles).length ? strings(r.roles) : [str(r.role) ?? 'operator']);
  const role = str(r.role) ?? roles[0] ?? 'operator';
  const scopes = normalizeScopes(strings(r.scopes));
  const held = paired.get(deviceId);
  const reason = str(r.reason)
    ?? pairingReason(held ? { ...held, scopes: held.approvedScopes } : undefined, { publicKey, role, scopes, platform: str(r.platform), deviceFamily: str(r.deviceFamily) })
    ?? 'scope-upgrade';
  const remoteIp = str(r.remoteIp);
  const locality = r.locality === 'local' || r.locality === 'browser' || r.locality === 'remote' ? r.locality : remoteIp && !LOOPBACK.test(remoteIp) ? 'remote' : 'local';
  const ts = num(r.ts) ?? num(r.createdAtMs) ?? Date.now();
  return {
    requestId, deviceId, publicKey, fingerprint: fingerprintOf(deviceId), ...reported(r), role, roles, scopes,
    ...(remoteIp ? { remoteIp } : {}), silent: r.silent === true, isRepair: r.isRepair === true, ts,
    reason, locality, sourceAddress: str(r.sourceAddress) ?? remoteIp ?? (locality === 'local' ? '127.0.0.1' : 'unknown'),
    ...(str(r.origin) ? { origin: str(r.origin) } : {}),
    heldRoles: Array.isArray(r.heldRoles) ? strings(r.heldRoles) : held?.roles ?? [],
    heldScopes: Array.isArray(r.heldScopes) ? strings(r.heldScopes) : held?.approvedScopes ?? [],
    // What approving on that gateway gives: the asked role beside those held, and the asked scopes.
    grant: { roles: normalizeScopes([...(held?.roles ?? []), role]), scopes },
    createdAtMs: num(r.createdAtMs) ?? ts, expiresAtMs: num(r.expiresAtMs) ?? ts + UPSTREAM_PENDING_TTL_MS,
  };
}
