// Memory that comes back after a busy spell. Under load V8 grows its young generation to its maximum (two
// 16 MB semi-spaces) and keeps old-space headroom above what is live; nothing tells it when the gateway goes
// quiet (Node has no idle-time collection, unlike Chromium), and an idle gateway allocates too little to
// trigger a collection. So after every client has left, the heap stayed as large as at the busiest moment,
// 50–80 MB above what is live (measured in the soak). Once the gateway has been quiet for a while after
// activity, and only when the heap grew noticeably, it asks V8 for a full collection (at most three in that
// quiet spell): V8 then also gives the young generation back, its allocation rate being low by then. Never
// while clients are busy.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long without a new connection or a client frame counts as quiet. */
export const QUIET_MS = 30_000;
/** Growth of the committed heap over its level after the last trim (or at start) that is worth a collection. */
export const GROWTH_BYTES = 16 * 1024 * 1024;
/**
 * Collections per quiet spell at most. One full collection does not always give everything back (V8 compacts
 * only part of the old space, and keeps its young generation when the allocation rate it last measured was
 * not low); the next check tries again while the heap is still more than half the threshold above its floor.
 */
export const MAX_COLLECTIONS = 3;

export interface TrimStats {
  /** Quiet spells in which the heap was given back. */
  trims: number;
  collections: number;
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
  /** Collections made in the current quiet spell (0: none under way). */
  private spell = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: TrimStats = { trims: 0, collections: 0 };

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
    this.timer ??= setInterval(() => this.check(), Math.max(10, Math.round(this.quietMs / 6)));
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
    this.spell = 0;
  }

  /**
   * In a quiet spell that follows activity, when the heap grew: one collection, and at the next checks up to
   * MAX_COLLECTIONS in all while it stays well above its floor. Returns whether it collected.
   */
  check(): boolean {
    if ((!this.active && this.spell === 0) || this.now() - this.lastActivity < this.quietMs) return false;
    const before = this.heapBytes();
    if (this.active) {
      this.active = false;
      if (before < this.floor + this.growthBytes) return false;
      this.stats.trims++;
      this.stats.lastBefore = before;
    }
    this.collect();
    this.spell++;
    const after = this.heapBytes();
    Object.assign(this.stats, { collections: this.stats.collections + 1, lastTrimAtMs: Date.now(), lastAfter: after });
    if (after < this.floor + this.growthBytes / 2) {
      this.floor = Math.min(this.floor, after);
      this.spell = 0;
    } else if (this.spell >= MAX_COLLECTIONS) {
      // What could not be given back is live: the next growth is measured from here.
      this.floor = after;
      this.spell = 0;
    }
    return true;
  }
}
