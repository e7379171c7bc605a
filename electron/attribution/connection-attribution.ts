// One attribution per connection: started at most once (when a decision needs it, or after the handshake
// for "last connected from"), shared by everyone who asks, never on a paired device's critical path.
import type { PeerAttribution } from '../../shared/attribution';
import type { Attributor, PeerHints } from './attributor';
import type { ProgramMemory } from './program-memory';

export type LazyAttribution = () => Promise<PeerAttribution>;

/** `hints` is read when the lookup starts: a connection is Loopgate's own only once it proved the owner credential. */
export function lazyAttribution(attributor: Attributor, peerPort: number | undefined, ourPort: () => number, hints: () => PeerHints): LazyAttribution {
  let pending: Promise<PeerAttribution> | undefined;
  return () => {
    if (!pending) {
      pending = peerPort
        ? attributor.peer(peerPort, ourPort(), hints())
        : Promise.resolve({ status: 'unknown', method: attributor.method, why: 'the peer port is unknown', atMs: Date.now() });
    }
    return pending;
  };
}

export interface TracedConnection {
  identity: { deviceId?: string } | null;
  who: LazyAttribution | undefined;
  attribution: PeerAttribution | undefined;
}

/**
 * Who is connected, traced after hello-ok (off the handshake's path): a device's "last connected from" (not
 * on every reconnect), and for the window, the dashboard and token clients (the CLI) the name they act under.
 */
export function traceAfterHandshake(conn: TracedConnection, programs: ProgramMemory): void {
  const deviceId = conn.identity?.deviceId;
  const who = conn.who;
  if (!who || (deviceId && !programs.due(deviceId))) return;
  setImmediate(() => void who().then((a) => {
    conn.attribution = a;
    if (deviceId) return programs.record(deviceId, a);
  }));
}

/** Calls whose actor goes into the audit log: worth naming the program that made them. */
const DECISIONS = new Set([
  'device.pair.approve', 'device.pair.reject', 'device.pair.remove', 'device.token.rotate', 'device.token.revoke', 'loopgate.device.narrow',
  'node.pair.approve', 'node.pair.reject', 'exec.approval.resolve', 'approval.resolve', 'loopgate.approvals.resolve',
  'exec.approval.grants.revoke', 'loopgate.approvals.grants.revoke', 'config.set',
]);

export function isDecision(method: string): boolean {
  return DECISIONS.has(method);
}
