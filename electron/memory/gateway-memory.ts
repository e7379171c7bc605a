// Memory that comes back after the clients leave: what the gateway holds per connection, per request and per
// minted token (shown in the admin status, so a soak or a user can see it return to zero), a slow sweep for
// entries that lapse while nothing else touches their holder (a denial cooldown, a failed-auth window, an
// owner link), and the idle trim that gives a grown heap back (idle-trim.ts).
import { getHeapStatistics } from 'node:v8';
import { cachedDeviceKeys } from '../gateway/device-proof';
import { IdleTrim } from './idle-trim';

/** Lapsed entries go at least this often even when no new entry arrives to sweep them. */
export const SWEEP_MS = 30_000;

/** The parts of the gateway that hold something per client; read only, and swept. */
export interface MemoryHolders {
  conns: { size: number };
  preauth: { size: number };
  devices: { size: number };
  limiter: { size: number; sweep(): void };
  owner: { size: number; prune(): void };
  invocations: { size: number };
  pairing: { pending: { size: number; cooldowns: number; sweepCooldowns(): void }; undelivered: { size: number; sweep(): void } };
  hub: { exec: { records: { size: number } } };
}

export interface HeldCounts {
  connections: number;
  /** Addresses with a connection that has not authenticated yet. */
  preauthAddresses: number;
  connectedDevices: number;
  authFailureEntries: number;
  ownerCredentials: number;
  nodeInvocations: number;
  pairingRequests: number;
  denialCooldowns: number;
  undeliveredTokens: number;
  execApprovals: number;
  /** Parsed public keys of paired devices (bounded; kept while they are paired, not per connection). */
  cachedDeviceKeys: number;
}

export class GatewayMemory {
  readonly idleTrim = new IdleTrim();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly holders: MemoryHolders) {}

  start(timing: { idleTrimQuietMs?: number; memorySweepMs?: number } = {}): void {
    this.idleTrim.start(timing.idleTrimQuietMs);
    this.timer ??= setInterval(() => this.sweep(), timing.memorySweepMs ?? SWEEP_MS);
    this.timer.unref();
  }

  stop(): void {
    this.idleTrim.stop();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A connection opened or a client sent a frame. */
  activity(): void {
    this.idleTrim.activity();
  }

  /** Drops every lapsed entry of the holders that otherwise sweep only as new entries arrive. */
  sweep(): void {
    const h = this.holders;
    h.limiter.sweep();
    h.owner.prune();
    h.pairing.pending.sweepCooldowns();
    h.pairing.undelivered.sweep();
  }

  held(): HeldCounts {
    const h = this.holders;
    return {
      connections: h.conns.size, preauthAddresses: h.preauth.size, connectedDevices: h.devices.size, authFailureEntries: h.limiter.size,
      ownerCredentials: h.owner.size, nodeInvocations: h.invocations.size, pairingRequests: h.pairing.pending.size,
      denialCooldowns: h.pairing.pending.cooldowns, undeliveredTokens: h.pairing.undelivered.size, execApprovals: h.hub.exec.records.size,
      cachedDeviceKeys: cachedDeviceKeys(),
    };
  }

  /** For the admin status. */
  view(): { rssBytes: number; heapBytes: number; idleTrims: IdleTrim['stats']; held: HeldCounts } {
    return { rssBytes: process.memoryUsage.rss(), heapBytes: getHeapStatistics().total_heap_size, idleTrims: this.idleTrim.stats, held: this.held() };
  }
}
