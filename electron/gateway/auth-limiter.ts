// Failed-authentication throttle. It follows the gateway's own judgement of locality: browser pages are limited
// even on loopback, keyed per origin (ClawJacked); a client judged remote (proxy headers, foreign Host) is limited
// per address even when its socket is loopback; only local clients are exempt (they can read the token file
// anyway). Missing credentials never count. A lockout refuses failed attempts, never a valid credential: the
// handshake checks the credential first and consults the lock only when it fails.
import type { TransportLocality } from './upgrade-guard';
export interface LimiterOptions {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

export class AuthLimiter {
  private entries = new Map<string, { failures: number[]; lockedUntil: number }>();
  /** Size after the last sweep: sweeping again once it doubles keeps the cost per failure constant. */
  private sweptAt = 0;

  constructor(private opts: LimiterOptions = { maxFailures: 10, windowMs: 60_000, lockoutMs: 300_000 }, private now: () => number = Date.now) {}

  static key(transport: TransportLocality, peer: string, origin: string | undefined): string | null {
    if (transport === 'browser' || origin) return `origin:${origin ?? ''}`;
    return transport === 'local' ? null : `ip:${peer}`;
  }

  lockedFor(key: string | null): number {
    if (!key) return 0;
    const e = this.entries.get(key);
    if (!e) return 0;
    const left = e.lockedUntil - this.now();
    if (left <= 0 && this.spent(e, this.now())) this.entries.delete(key);
    return Math.max(0, left);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops entries whose lockout is over and whose failures have all left the window. */
  sweep(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (this.spent(e, now)) this.entries.delete(k);
    this.sweptAt = this.entries.size;
  }

  private spent(e: { failures: number[]; lockedUntil: number }, now: number): boolean {
    return e.lockedUntil <= now && e.failures.every((t) => now - t >= this.opts.windowMs);
  }

  fail(key: string | null): void {
    if (!key) return;
    const now = this.now();
    const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((t) => now - t < this.opts.windowMs);
    e.failures.push(now);
    if (e.failures.length >= this.opts.maxFailures) {
      e.lockedUntil = now + this.opts.lockoutMs;
      e.failures = [];
    }
    this.entries.set(key, e);
    if (this.entries.size >= Math.max(64, this.sweptAt * 2)) this.sweep();
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
  }

  /** A success forgets earlier failures, but does not lift a lockout that someone else's failures started. */
  succeed(key: string | null): void {
    if (key && this.lockedFor(key) === 0) this.entries.delete(key);
  }
}
