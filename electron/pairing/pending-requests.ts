// Requests waiting for the user: one per device, a stable id while the ask is unchanged, replaced when it
// changes, denied when they lapse, with a cooldown after a denial and caps so nobody can flood the user.
import { randomUUID } from 'node:crypto';
import { normalizeScopes } from '../../shared/scopes';
import type { PendingRequestView } from '../../shared/pairing-types';

export type PendingInput = Omit<PendingRequestView, 'requestId' | 'ts' | 'createdAtMs' | 'expiresAtMs' | 'silent'>;

export type UpsertResult =
  | { kind: 'created'; request: PendingRequestView; superseded?: PendingRequestView }
  | { kind: 'same'; request: PendingRequestView }
  | { kind: 'limited'; message: string }
  | { kind: 'cooldown'; retryAfterMs: number };

export interface PendingLimits {
  ttlMs: number;
  cooldownMs: number;
  maxTotal: number;
  maxPerAddress: number;
}

/** What an approval is bound to: approving means exactly this, nothing a later retry asked for. */
function snapshotKey(r: Pick<PendingRequestView, 'publicKey' | 'role' | 'roles' | 'scopes' | 'platform' | 'deviceFamily'>): string {
  return JSON.stringify([r.publicKey, r.role, normalizeScopes(r.roles), normalizeScopes(r.scopes), r.platform ?? '', r.deviceFamily ?? '']);
}

export class PendingRequests {
  private byId = new Map<string, PendingRequestView>();
  private byDevice = new Map<string, string>();
  private timers = new Map<string, NodeJS.Timeout>();
  private cooldownUntil = new Map<string, number>();
  /** Cooldowns after the last sweep: sweeping again once they double keeps the cost per denial constant. */
  private cooldownsSwept = 0;

  constructor(
    private limits: PendingLimits,
    private onExpire: (req: PendingRequestView) => void,
    private now: () => number = Date.now,
    /** Cooldowns run on a monotonic clock: a wall-clock jump neither stretches nor skips them (ST-12). */
    private monotonic: () => number = () => performance.now(),
  ) {}

  setLimits(limits: PendingLimits): void {
    this.limits = limits;
  }

  list(): PendingRequestView[] {
    return [...this.byId.values()].sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  get(requestId: string): PendingRequestView | undefined {
    return this.byId.get(requestId);
  }

  forDevice(deviceId: string): PendingRequestView | undefined {
    const id = this.byDevice.get(deviceId);
    return id ? this.byId.get(id) : undefined;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Milliseconds of cooldown left for a device after a denial, or 0. */
  cooldownLeft(deviceId: string): number {
    const until = this.cooldownUntil.get(deviceId);
    if (until === undefined) return 0;
    const left = until - this.monotonic();
    if (left <= 0) this.cooldownUntil.delete(deviceId);
    return Math.max(0, left);
  }

  startCooldown(deviceId: string): void {
    if (this.limits.cooldownMs <= 0) return;
    this.cooldownUntil.set(deviceId, this.monotonic() + this.limits.cooldownMs);
    if (this.cooldownUntil.size >= Math.max(64, this.cooldownsSwept * 2)) this.sweepCooldowns();
  }

  /** Cooldowns still held in memory (over ones are dropped as denials come in). */
  get cooldowns(): number {
    return this.cooldownUntil.size;
  }

  sweepCooldowns(): void {
    const t = this.monotonic();
    for (const [id, until] of this.cooldownUntil) if (until <= t) this.cooldownUntil.delete(id);
    this.cooldownsSwept = this.cooldownUntil.size;
  }

  upsert(input: PendingInput): UpsertResult {
    const now = this.now();
    const cooling = this.cooldownLeft(input.deviceId);
    if (cooling > 0) return { kind: 'cooldown', retryAfterMs: cooling };
    const existing = this.forDevice(input.deviceId);
    if (existing && snapshotKey(existing) === snapshotKey(input)) {
      existing.ts = now;
      return { kind: 'same', request: existing };
    }
    if (!existing) {
      if (this.byId.size >= this.limits.maxTotal) return { kind: 'limited', message: `too many pending pairing requests (${this.limits.maxTotal}); decide some first` };
      // Credentialed local clients and credential-less peers on loopback (tunnels, other users) are separate sources.
      let fromAddress = 0;
      // Loopback peers whose program is known are counted per program (executable and OS user), not per address.
      for (const r of this.byId.values()) if (r.sourceAddress === input.sourceAddress && r.locality === input.locality && r.capKey === input.capKey) fromAddress++;
      if (fromAddress >= this.limits.maxPerAddress) {
        const from = input.capKey && input.attribution?.process ? `${input.attribution.process.name} (PID ${input.attribution.process.pid})` : input.sourceAddress;
        return { kind: 'limited', message: `too many pending pairing requests from ${from} (${this.limits.maxPerAddress})` };
      }
    }
    if (existing) this.drop(existing.requestId);
    const request: PendingRequestView = {
      ...input,
      roles: normalizeScopes(input.roles),
      scopes: normalizeScopes(input.scopes),
      requestId: randomUUID(),
      silent: false,
      ts: now,
      createdAtMs: now,
      expiresAtMs: now + this.limits.ttlMs,
    };
    this.restore(request);
    return existing ? { kind: 'created', request, superseded: existing } : { kind: 'created', request };
  }

  /** Put back a request taken out for a decision that then failed (its id and deadline unchanged). */
  restore(req: PendingRequestView): void {
    if (this.byId.has(req.requestId) || this.byDevice.has(req.deviceId)) return;
    this.byId.set(req.requestId, req);
    this.byDevice.set(req.deviceId, req.requestId);
    const timer = setTimeout(() => {
      if (this.drop(req.requestId)) this.onExpire(req);
    }, Math.max(0, req.expiresAtMs - this.now()));
    timer.unref();
    this.timers.set(req.requestId, timer);
  }

  /** Remove a request (decided, superseded, expired); returns it if it was still pending. */
  drop(requestId: string): PendingRequestView | undefined {
    const req = this.byId.get(requestId);
    if (!req) return undefined;
    this.byId.delete(requestId);
    if (this.byDevice.get(req.deviceId) === requestId) this.byDevice.delete(req.deviceId);
    clearTimeout(this.timers.get(requestId));
    this.timers.delete(requestId);
    return req;
  }

  dropDevice(deviceId: string): PendingRequestView | undefined {
    const id = this.byDevice.get(deviceId);
    return id ? this.drop(id) : undefined;
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.byId.clear();
    this.byDevice.clear();
    this.cooldownUntil.clear();
  }
}
