// Listeners are adapters (tray, notifications, window IPC): a bug in one is logged, never fatal to the emitter.
import type { EventEmitter } from 'node:events';

/** Subscribes `listener` to `event` on `emitter`, logging what it throws; returns the unsubscribe. */
export function safeListener(emitter: EventEmitter, event: string, listener: (...args: never[]) => void, log: (line: string) => void): () => void {
  const safe = (...args: unknown[]) => {
    try {
      (listener as (...a: unknown[]) => void)(...args);
    } catch (e) {
      log(`listener for ${event} failed: ${(e as Error).stack ?? String(e)}`);
    }
  };
  emitter.on(event, safe);
  return () => void emitter.off(event, safe);
}
