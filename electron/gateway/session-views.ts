// What connected sessions look like to one viewer, and which events reach whom: presence entries, the status a
// device's own session gets, the event filter. A token holder or the owner sees every client; a device's own
// session sees only its own connections, counts and events.
import { attributionLabel } from '../../shared/attribution';
import { EVENT_SCOPES } from '../../shared/methods';
import { roleScopesAllow, SCOPE } from '../../shared/scopes';
import { authorityOf, reaches } from './authority';
import type { Connection, ConnectionIdentity } from './connection';

/** May this session receive `event`? `about`: the device it concerns ('' for gateway-wide facts). */
export function mayReceive(id: ConnectionIdentity | null, event: string, about?: string): boolean {
  if (!id || !reaches(id, about)) return false;
  const scopes = EVENT_SCOPES[event];
  if (!scopes || scopes.length === 0) return true;
  if (id.role !== 'operator') return false;
  return scopes.some((s) => roleScopesAllow('operator', [s], id.scopes)) || roleScopesAllow('operator', [SCOPE.admin], id.scopes);
}

/** A client came or went: token holders and the owner hear the whole list; a device's session only of itself. */
export function fanOutPresence(conns: Iterable<Connection>, about: Connection): void {
  const all = [...conns];
  let everyone: { presence: unknown[] } | undefined;
  const subject = about.identity?.deviceId ?? '';
  for (const c of all) {
    if (!mayReceive(c.identity, 'presence', subject)) continue;
    if (authorityOf(c.identity!) === 'device') c.event('presence', { presence: presenceFor(all, c) });
    else c.event('presence', (everyone ??= { presence: presenceFor(all) }));
  }
}

function entry(c: Connection): unknown {
  const i = c.identity!;
  return {
    connId: c.id, ...(i.deviceId ? { deviceId: i.deviceId } : {}), ...(i.instanceId ? { instanceId: i.instanceId } : {}),
    host: i.displayName ?? i.clientId, ip: c.peer, address: c.peer, version: i.version, platform: i.platform,
    ...(i.deviceFamily ? { deviceFamily: i.deviceFamily } : {}), mode: i.clientMode, clientId: i.clientId,
    role: i.role, roles: [i.role], scopes: i.scopes, locality: i.local ? 'local' : c.transport,
    connectedAtMs: i.connectedAtMs, ts: i.connectedAtMs, reason: 'connect', kind: i.deviceId ? 'device' : 'token-client',
    ...(c.attribution?.status === 'found' ? { program: attributionLabel(c.attribution) } : {}),
  };
}

/** Connected clients (one-shot CLI calls left out); `viewer`, when given, sees only what it reaches. */
export function presenceFor(conns: Iterable<Connection>, viewer?: Connection): unknown[] {
  const out: unknown[] = [];
  for (const c of conns) {
    if (!c.identity || c.identity.clientMode === 'cli') continue;
    if (viewer && !reaches(viewer.identity!, c.identity.deviceId ?? '')) continue;
    out.push(entry(c));
  }
  return out;
}

export interface OwnFacts {
  paired: boolean;
  pending: boolean;
}

/** The counts of `status`, taken over one device's own connections, records and requests. */
export function ownCounts(conns: Iterable<Connection>, deviceId: string, facts: OwnFacts): { connections: number; nodes: number; devices: number; pending: number } {
  let connections = 0;
  let nodes = 0;
  for (const c of conns) {
    if (!c.authed || c.identity!.deviceId !== deviceId) continue;
    connections++;
    if (c.identity!.role === 'node') nodes++;
  }
  return { connections, nodes, devices: facts.paired ? 1 : 0, pending: facts.pending ? 1 : 0 };
}
