// Failed-authentication throttle. Browser pages are limited even on loopback, keyed per origin (ClawJacked);
// other loopback clients are exempt (they can read the token file anyway); missing credentials never count.
export interface LimiterOptions {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

export class AuthLimiter {
  private entries = new Map<string, { failures: number[]; lockedUntil: number }>();

  constructor(private opts: LimiterOptions = { maxFailures: 10, windowMs: 60_000, lockoutMs: 300_000 }, private now: () => number = Date.now) {}

  static key(peer: string, origin: string | undefined, loopback: boolean): string | null {
    if (origin) return `origin:${origin}`;
    return loopback ? null : `ip:${peer}`;
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

  succeed(key: string | null): void {
    if (key) this.entries.delete(key);
  }
}
