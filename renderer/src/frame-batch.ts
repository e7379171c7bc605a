// Gateway events are queued and applied once per animation frame, so a burst of hundreds costs one state
// change and one render, not hundreds. Both stores (dashboard, approvals) batch their events through this.

/** When the tab is hidden animation frames stop; queued events are still applied this often. */
const FLUSH_FALLBACK_MS = 100;

export class FrameBatch<T> {
  private queue: T[] = [];
  private frame: number | null = null;
  private fallback: ReturnType<typeof setTimeout> | null = null;

  /** `apply` gets every queued item at once, oldest first; never an empty list. */
  constructor(private readonly apply: (items: T[]) => void) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.frame !== null || this.fallback !== null) return;
    const run = () => this.flush();
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState !== 'hidden') {
      this.frame = requestAnimationFrame(run);
    }
    this.fallback = setTimeout(run, FLUSH_FALLBACK_MS);
  }

  /** Apply what is queued now (e.g. before a list answer, which is newer than every queued event). */
  flush(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    if (this.fallback !== null) clearTimeout(this.fallback);
    this.frame = null;
    this.fallback = null;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    this.apply(queue);
  }
}
