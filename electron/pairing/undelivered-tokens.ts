// Tokens minted at approval (or by a cross-device rotation), held in memory only until the device's next
// connect picks them up. Each has a deadline; expired ones are swept (on use, and by a slow unref'd timer),
// so a pairing storm's tokens do not stay in memory after their devices have gone.
export interface Undelivered {
  token: string;
  until: number;
}

const SWEEP_EVERY_MS = 30_000;

export class UndeliveredTokens {
  private readonly entries = new Map<string, Undelivered>();
  private lastSweep: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  /** Keyed by `${deviceId}\u0000${role}`. An expired entry is never returned. */
  get(key: string): Undelivered | undefined {
    const e = this.entries.get(key);
    if (e && e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  set(key: string, value: Undelivered): void {
    this.entries.set(key, value);
    this.sweepIfDue();
    if (!this.timer) {
      // Only while something waits: an idle gateway has no timer at all.
      this.timer = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
      this.timer.unref();
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops every entry past its deadline. */
  sweep(): void {
    const now = this.now();
    this.lastSweep = now;
    for (const [k, e] of this.entries) if (e.until <= now) this.entries.delete(k);
    if (this.entries.size === 0) this.stopTimer();
  }

  clear(): void {
    this.entries.clear();
    this.stopTimer();
  }

  private sweepIfDue(): void {
    if (this.now() - this.lastSweep >= SWEEP_EVERY_MS) this.sweep();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
