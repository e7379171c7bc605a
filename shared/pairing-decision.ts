// The pairing decision: why a verified device needs (re)approval, and whether that approval may be silent.
// Pure: the gateway feeds it the stored record, what the device asks for, and where the request came from.
import { normalizeDeviceMetadata } from './device-auth';
import { normalizeScopes, roleScopesAllow, scopesBeyond } from './scopes';

export type PairingReason = 'not-paired' | 'metadata-upgrade' | 'role-upgrade' | 'scope-upgrade';

/** The parts of a stored pairing record the decision reads (legacy records may lack roles or scopes). */
export interface PairedRecordFacts {
  publicKey: string;
  platform?: string | null;
  deviceFamily?: string | null;
  role?: string | null;
  roles?: readonly string[] | null;
  scopes?: readonly string[] | null;
  approvedScopes?: readonly string[] | null;
}

export interface PairingAsk {
  publicKey: string;
  role: string;
  scopes: readonly string[];
  platform?: string | null;
  deviceFamily?: string | null;
}

/** Where the request came from, as the gateway observed it (never what the client says about itself). */
export type ClientLocality = 'local' | 'browser' | 'remote';

export interface SilentPolicy {
  /** Silent approval on or off entirely (default on). */
  enabled: boolean;
  /** When set, silent approval may only grant scopes covered by this list; anything else waits for the user. */
  ceiling: readonly string[] | null;
}

export const DEFAULT_SILENT_POLICY: SilentPolicy = { enabled: true, ceiling: null };

export type PairingDecision =
  | { kind: 'paired' }
  | { kind: 'approval'; reason: PairingReason; silent: boolean; why: string };

export function approvedRolesOf(rec: PairedRecordFacts): string[] {
  if (Array.isArray(rec.roles)) return [...rec.roles];
  return rec.role ? [rec.role] : [];
}

export function approvedScopesOf(rec: PairedRecordFacts): string[] {
  if (Array.isArray(rec.scopes) && Array.isArray(rec.approvedScopes)) return normalizeScopes([...rec.scopes, ...rec.approvedScopes]);
  if (Array.isArray(rec.scopes)) return normalizeScopes(rec.scopes);
  if (Array.isArray(rec.approvedScopes)) return normalizeScopes(rec.approvedScopes);
  return [];
}

/** First reason in OpenClaw's order (not-paired, metadata, role, scope), or null when the record covers the ask. */
export function pairingReason(rec: PairedRecordFacts | undefined, ask: PairingAsk): PairingReason | null {
  if (!rec || rec.publicKey !== ask.publicKey) return 'not-paired';
  const pinnedPlatform = normalizeDeviceMetadata(rec.platform);
  const pinnedFamily = normalizeDeviceMetadata(rec.deviceFamily);
  if ((pinnedPlatform && pinnedPlatform !== normalizeDeviceMetadata(ask.platform)) ||
      (pinnedFamily && pinnedFamily !== normalizeDeviceMetadata(ask.deviceFamily))) return 'metadata-upgrade';
  if (!approvedRolesOf(rec).includes(ask.role)) return 'role-upgrade';
  if (ask.scopes.length > 0 && !roleScopesAllow(ask.role, ask.scopes, approvedScopesOf(rec))) return 'scope-upgrade';
  return null;
}

/**
 * The silent-approval rule: only local clients (loopback peer, local Host, no proxy header, no Origin, and a
 * credential proving they can read this user's files) get not-paired and scope-upgrade approved without asking.
 * Role and metadata changes, and everything from browsers or remote peers, wait for the user.
 */
export function decidePairing(
  rec: PairedRecordFacts | undefined,
  ask: PairingAsk,
  locality: ClientLocality,
  policy: SilentPolicy = DEFAULT_SILENT_POLICY,
): PairingDecision {
  const reason = pairingReason(rec, ask);
  if (!reason) return { kind: 'paired' };
  if (locality !== 'local') return { kind: 'approval', reason, silent: false, why: `${locality} client` };
  if (reason === 'role-upgrade' || reason === 'metadata-upgrade') return { kind: 'approval', reason, silent: false, why: `${reason} always needs the user` };
  if (!policy.enabled) return { kind: 'approval', reason, silent: false, why: 'silent approval is turned off' };
  if (policy.ceiling) {
    const held = rec && reason === 'scope-upgrade' ? approvedScopesOf(rec) : [];
    const asked = scopesBeyond(ask.role, ask.scopes, held);
    if (asked.length && !roleScopesAllow(ask.role, asked, policy.ceiling)) {
      return { kind: 'approval', reason, silent: false, why: `scopes above the silent ceiling: ${scopesBeyond(ask.role, asked, policy.ceiling).join(', ')}` };
    }
  }
  return { kind: 'approval', reason, silent: true, why: 'local client' };
}

/** The pairing-required message a client sees, in the wording of current OpenClaw gateways. */
export function pairingMessage(reason: PairingReason): string {
  switch (reason) {
    case 'not-paired': return 'pairing required: device is not approved yet';
    case 'metadata-upgrade': return 'pairing required: device metadata changed since approval';
    case 'role-upgrade': return 'pairing required: device is asking for a higher role than currently approved';
    case 'scope-upgrade': return 'pairing required: device is asking for more scopes than currently approved';
  }
}

export function remediationHint(reason: PairingReason): string {
  switch (reason) {
    case 'not-paired': return 'Approve the pending request in Loopgate, then reconnect.';
    case 'metadata-upgrade': return 'Review the changed platform or device family, then approve the pending request.';
    case 'role-upgrade': return 'Review the requested role upgrade, then approve the pending request.';
    case 'scope-upgrade': return 'Review the requested scope upgrade, then approve the pending request.';
  }
}
