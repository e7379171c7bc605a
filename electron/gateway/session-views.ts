// What connected sessions look like to one viewer: presence entries, and the status a device's own session gets.
// A token holder or the owner sees every client; a device's own session sees only its own connections and counts.
import { attributionLabel } from '../../shared/attribution';
import { reaches } from './authority';
import type { Connection } from './connection';

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
