// Which paired devices are connected now (for the "connected now" flag of 10,000 devices at O(1) each), and the
// `loopgate.devices` event: which devices came or went and whether records changed, batched over a short window
// (the window patches the flag in place, or fetches the list again). Never sent to device sessions.
import type { DevicesChangedEvent } from '../../shared/pairing-types';

export class ConnectedDevices {
  private readonly live = new Map<string, number>();
  private batch: { connected: Map<string, boolean>; changed: boolean; timer: NodeJS.Timeout | undefined } = { connected: new Map(), changed: false, timer: undefined };

  constructor(
    /** A device's connected flag changed (its cached view is stale). */
    private readonly touched: (deviceId: string) => void,
    private readonly send: (payload: DevicesChangedEvent) => void,
    private readonly batchMs = 100,
  ) {}

  /** Devices with a live connection. */
  get size(): number {
    return this.live.size;
  }

  has(deviceId: string): boolean {
    return this.live.has(deviceId);
  }

  /** One more (or one fewer) live connection of this device. */
  count(deviceId: string | undefined, delta: 1 | -1): void {
    if (!deviceId) return;
    const n = (this.live.get(deviceId) ?? 0) + delta;
    if (n > 0) this.live.set(deviceId, n); else this.live.delete(deviceId);
    this.touched(deviceId);
    this.batch.connected.set(deviceId, n > 0);
    this.schedule();
  }

  /** Stored records changed: the window should fetch the list again. */
  recordsChanged(): void {
    this.batch.changed = true;
    this.schedule();
  }

  close(): void {
    clearTimeout(this.batch.timer);
  }

  private schedule(): void {
    if (this.batch.timer) return;
    this.batch.timer = setTimeout(() => {
      const { connected, changed } = this.batch;
      this.batch = { connected: new Map(), changed: false, timer: undefined };
      this.send({ ts: Date.now(), ...(connected.size ? { connected: Object.fromEntries(connected) } : {}), ...(changed ? { changed: true } : {}) });
    }, this.batchMs);
    this.batch.timer.unref();
  }
}
