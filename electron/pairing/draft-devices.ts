// The map a mutate() callback edits: copy-on-write over the store's devices, so a change costs what it touches.
import type { PairedDevice } from './store-schema';

/**
 * The map a mutate callback edits: reads clone a device on first access, writes and deletes are recorded, and
 * the base map (what readers see) is never touched until the write has succeeded.
 */
export class DraftDevices extends Map<string, PairedDevice> {
  readonly removed = new Set<string>();

  constructor(private readonly base: ReadonlyMap<string, PairedDevice>) {
    super();
  }

  override get(id: string): PairedDevice | undefined {
    if (super.has(id)) return super.get(id);
    if (this.removed.has(id)) return undefined;
    const original = this.base.get(id);
    if (!original) return undefined;
    const copy = structuredClone(original);
    super.set(id, copy);
    return copy;
  }

  override has(id: string): boolean {
    return super.has(id) || (!this.removed.has(id) && this.base.has(id));
  }

  override set(id: string, device: PairedDevice): this {
    this.removed.delete(id);
    return super.set(id, device);
  }

  override delete(id: string): boolean {
    const had = this.has(id);
    super.delete(id);
    if (this.base.has(id)) this.removed.add(id);
    return had;
  }

  override get size(): number {
    let n = super.size;
    for (const id of this.base.keys()) if (!super.has(id) && !this.removed.has(id)) n++;
    return n;
  }

  /** Whole-map reads clone everything (rare: callers normally go by id). */
  override entries(): MapIterator<[string, PairedDevice]> {
    for (const id of this.base.keys()) if (!this.removed.has(id)) this.get(id);
    return super.entries();
  }

  override keys(): MapIterator<string> {
    return new Map(this.entries()).keys();
  }

  override values(): MapIterator<PairedDevice> {
    return new Map(this.entries()).values();
  }

  override forEach(cb: (value: PairedDevice, key: string, map: Map<string, PairedDevice>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }

  override [Symbol.iterator](): MapIterator<[string, PairedDevice]> {
    return this.entries();
  }

  override clear(): void {
    for (const id of this.base.keys()) this.removed.add(id);
    super.clear();
  }

  /** Every device the callback may have changed (read, written or added). */
  touched(): IterableIterator<[string, PairedDevice]> {
    return super.entries();
  }
}
