// What the gateway did, as log lines: pairing requests and their outcomes, store trouble, settings changes.
// Ids are shortened and only non-secret fields are named; the audit log (audit.jsonl) stays the full record.
import type { GatewayHandle } from '../gateway/gateway-handle';

const short = (id: string): string => id.slice(0, 12);

export function logGatewayEvents(gateway: Pick<GatewayHandle, 'on'>, log: (line: string) => void): () => void {
  let paused: boolean | undefined;
  const offs = [
    gateway.on('request', (r) =>
      log(`pairing request ${r.requestId}: device ${short(r.deviceId)} asks for ${r.role} [${r.scopes.join(' ') || 'no scopes'}] (${r.reason}, ${r.locality} ${r.sourceAddress})`)),
    gateway.on('resolved', (e) =>
      log(`pairing ${e.requestId ?? ''} ${e.cause ?? e.decision}${e.silent ? ' silently' : ''}: device ${short(e.deviceId)}${e.reason ? ` (${e.reason})` : ''}`)),
    gateway.on('store', (h) =>
      log(h.ok ? 'pairing store healthy' : `pairing store unavailable, failing closed: ${h.error ?? 'unknown error'}${h.quarantinedTo ? ` (moved to ${h.quarantinedTo})` : ''}`)),
    gateway.on('config', (c) => {
      if (c.pairingPaused !== paused) {
        if (paused !== undefined) log(c.pairingPaused ? 'pairing paused' : 'pairing resumed');
        paused = c.pairingPaused;
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}
