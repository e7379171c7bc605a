// Who hears about an exec approval and who may see or decide it (reference §5), and what counts as a route.
import type { ConnectionIdentity } from '../gateway/connection';
import { SCOPE } from '../../shared/scopes';
import type { ApprovalEntry, RequesterRef, Resolver } from './approval-records';

/** OpenClaw's own approval apps, recognised by client id. */
const APPROVAL_APP_IDS = new Set(['openclaw-control-ui']);
const EXEC_APPROVAL_APP_IDS = new Set(['openclaw-macos', 'openclaw-ios', 'openclaw-android']);

export interface RoutedConnection {
  id: string;
  identity: ConnectionIdentity | null;
}

function has(identity: ConnectionIdentity, scope: string): boolean {
  return identity.scopes.includes(scope);
}

export function holdsApprovals(identity: ConnectionIdentity): boolean {
  return identity.role === 'operator' && (has(identity, SCOPE.admin) || has(identity, SCOPE.approvals));
}

/**
 * An approval client receives exec.approval.requested / resolved: an operator with operator.admin or
 * operator.approvals that is an approval UI (Control UI, the OpenClaw apps, or caps "approvals" /
 * "exec-approvals"), or the Loopgate window (the owner session), which is always one. Sessions that proved only
 * a device credential are not: only the user decides.
 */
export function isApprovalClient(identity: ConnectionIdentity | null): boolean {
  if (!identity || !holdsApprovals(identity)) return false;
  // A paired device's own session cannot decide (decisions are the user's), so it is no route either.
  if (identity.authMethod === 'device-token' || identity.authMethod === 'device-key') return false;
  if (identity.authMethod === 'owner') return true;
  if (APPROVAL_APP_IDS.has(identity.clientId) || EXEC_APPROVAL_APP_IDS.has(identity.clientId)) return true;
  return identity.caps.includes('approvals') || identity.caps.includes('exec-approvals');
}

/** operator.admin sees every record; operator.approvals only the ones its own device or connection asked for. */
export function canSee(conn: RoutedConnection, entry: ApprovalEntry): boolean {
  const id = conn.identity;
  if (!id || id.role !== 'operator') return false;
  if (has(id, SCOPE.admin)) return true;
  if (!has(id, SCOPE.approvals)) return false;
  if (entry.requester.deviceId) return id.deviceId === entry.requester.deviceId;
  return conn.id === entry.requester.connId;
}

/** A connection that would be shown the request: the route the reference requires before anyone waits. */
export function isRouteFor(conn: RoutedConnection, entry: ApprovalEntry): boolean {
  return conn.id !== entry.requester.connId && isApprovalClient(conn.identity) && canSee(conn, entry);
}

export function requesterOf(connId: string, identity: ConnectionIdentity): RequesterRef {
  const base = {
    connId, clientId: identity.clientId, clientMode: identity.clientMode,
    ...(identity.displayName ? { displayName: identity.displayName } : {}),
  };
  if (identity.authMethod === 'owner') return { ...base, kind: 'owner', label: 'owner (Loopgate window)' };
  if (!identity.deviceId) return { ...base, kind: 'token', label: `gateway token holder (${identity.clientId})` };
  return { ...base, kind: 'device', deviceId: identity.deviceId, label: `device ${identity.deviceId.slice(0, 12)} (${identity.clientId})` };
}

/** resolvedBy is the client's display name, else its client id; the durable resolver is its device, else the runtime. */
export function resolverOf(identity: ConnectionIdentity): Resolver {
  const label = identity.authMethod === 'owner' ? 'Loopgate window' : identity.displayName ?? identity.clientId;
  return identity.deviceId ? { label, kind: 'device', id: identity.deviceId } : { label, kind: 'runtime', id: identity.clientId };
}

export const TRAY_RESOLVER: Resolver = { label: 'Loopgate tray', kind: 'runtime', id: 'loopgate-tray' };
