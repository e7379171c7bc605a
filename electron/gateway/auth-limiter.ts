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

  constructor(private opts: LimiterOptions = { maxFailures: 10, windowMs: 60_000, lockoutMs: 300_000 }, private now: () => number = Date.now) {}

  static key(transport: TransportLocality, peer: string, origin: string | undefined): string | null {
    if (transport === 'browser' || origin) return `origin:${origin ?? ''}`;
    return transport === 'local' ? null : `ip:${peer}`;
  }

  lockedFor(key: string | null): number {
    if (!key) return 0;
    const e = this.entries.get(key);
    return e ? Math.max(0, e.lockedUntil - this.now()) : 0;
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
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
  }

  /** A success forgets earlier failures, but does not lift a lockout that someone else's failures started. */
  succeed(key: string | null): void {
    if (key && this.lockedFor(key) === 0) this.entries.delete(key);
  }
}
