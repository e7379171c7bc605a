// Memory that comes back after a busy spell. Under load V8 grows its young generation to its maximum (two
// 16 MB semi-spaces) and keeps old-space headroom above what is live; nothing tells it when the gateway goes
// quiet (Node has no idle-time collection, unlike Chromium), and an idle gateway allocates too little to
// trigger a collection. So after every client has left, the heap stayed as large as at the busiest moment,
// 50–80 MB above what is live (measured in the soak). Once the gateway has been quiet for a while after
// activity, and only when the heap grew noticeably, it asks V8 for one full collection: V8 then also gives
// the young generation back, its allocation rate being low by then. Never while clients are busy.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long without a new connection or a client frame counts as quiet. */
export const QUIET_MS = 30_000;
/** Growth of the committed heap over its level after the last trim (or at start) that is worth a collection. */
export const GROWTH_BYTES = 16 * 1024 * 1024;

export interface TrimStats {
  trims: number;
  lastTrimAtMs?: number;
  /** Committed heap bytes right before and right after the last trim. */
  lastBefore?: number;
  lastAfter?: number;
}

export interface IdleTrimOptions {
  quietMs?: number;
  growthBytes?: number;
  /** Committed V8 heap in bytes. */
  heapBytes?: () => number;
  collect?: () => void;
  now?: () => number;
}

let collector: (() => void) | undefined;

/** One full, synchronous collection; the function V8 offers for it is fetched once, the flag set back after. */
export function fullCollection(): void {
  if (!collector) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collector = exposed;
    else {
      setFlagsFromString('--expose-gc');
      try {
        collector = runInNewContext('gc') as () => void;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  }
  collector();
}

export class IdleTrim {
  private quietMs: number;
  private readonly growthBytes: number;
  private readonly heapBytes: () => number;
  private readonly collect: () => void;
  private readonly now: () => number;
  private lastActivity: number;
  private active = false;
  private floor: number;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: TrimStats = { trims: 0 };

  constructor(opts: IdleTrimOptions = {}) {
    this.quietMs = opts.quietMs ?? QUIET_MS;
    this.growthBytes = opts.growthBytes ?? GROWTH_BYTES;
    this.heapBytes = opts.heapBytes ?? (() => getHeapStatistics().total_heap_size);
    this.collect = opts.collect ?? fullCollection;
    this.now = opts.now ?? Date.now;
    this.lastActivity = this.now();
    this.floor = this.heapBytes();
  }

  /** Checks a few times per quiet period; never keeps the process alive. */
  start(quietMs = this.quietMs): void {
    this.quietMs = quietMs;
    this.timer ??= setInterval(() => this.check(), Math.max(10, Math.round(this.quietMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A connection opened or a client sent a frame (cheap: called per frame). */
  activity(): void {
    this.lastActivity = this.now();
    this.active = true;
  }

  /** Trims once per quiet spell that follows activity, when the heap grew; returns whether it collected. */
  check(): boolean {
    if (!this.active || this.now() - this.lastActivity < this.quietMs) return false;
    this.active = false;
    const before = this.heapBytes();
    if (before < this.floor + this.growthBytes) return false;
    this.collect();
    const after = this.heapBytes();
    this.floor = after;
    Object.assign(this.stats, { trims: this.stats.trims + 1, lastTrimAtMs: Date.now(), lastBefore: before, lastAfter: after });
    return true;
  }
}
