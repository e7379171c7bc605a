// What a device holds now and exactly what approving a request gives it: one computation for the request the
// user is shown, the approver check and the write, so an approval never restores more than it shows.
import { approvedRolesOf, approvedScopesOf } from '../../shared/pairing-decision';
import { normalizeScopes, unionScopes } from '../../shared/scopes';
import type { PairedDevice } from './store-schema';

/**
 * What a record still holds: roles whose token the user revoked are gone, with the operator scopes they carried,
 * and an operator role is bounded by the scopes of its live token when one is given (a narrowed or rotated token
 * is the current grant; the older approved set behind it authorizes nothing on its own).
 */
export function heldRecord(rec: PairedDevice | undefined, role: string, liveTokenScopes?: readonly string[]): PairedDevice | undefined {
  if (!rec) return rec;
  const revoked = Object.values(rec.tokens).filter((t) => t.revokedAtMs).map((t) => t.role);
  let held: PairedDevice = rec;
  if (revoked.length) {
    held = { ...held, role: undefined, roles: approvedRolesOf(rec).filter((r) => !revoked.includes(r)) };
    if (revoked.includes('operator')) held = { ...held, scopes: [], approvedScopes: [] };
  }
  if (liveTokenScopes && role === 'operator') held = { ...held, scopes: [...liveTokenScopes], approvedScopes: [...liveTokenScopes] };
  return held;
}

export interface Grant {
  role: string;
  /** The new token's scopes: exactly the request's (or the narrowed subset), never inherited. */
  scopes: string[];
  /** The device's roles and approved operator scopes after the approval. */
  roles: string[];
  approvedScopes: string[];
}

/** Approving `ask` for a device that holds `held` (already passed through heldRecord; undefined if new or re-keyed). */
export function grantFor(held: PairedDevice | undefined, ask: { role: string; scopes: readonly string[] }): Grant {
  const scopes = normalizeScopes(ask.scopes);
  const heldScopes = held ? approvedScopesOf(held) : [];
  return {
    role: ask.role,
    scopes,
    roles: unionScopes(held ? approvedRolesOf(held) : [], [ask.role]),
    approvedScopes: ask.role === 'operator' ? unionScopes(heldScopes, scopes) : heldScopes,
  };
}
