// The pairing store's options, its I/O figures and the error it fails closed with.
import type { StoreHealth } from '../../shared/pairing-types';

export interface PairingStoreOptions {
  /** Default 'pairing.json'; the journal is the same name with `.journal` for `.json`. */
  fileName?: string;
  /** How long touch() updates may wait in memory before they are written. Default 60 000 ms. */
  lastSeenFlushMs?: number;
  /** Wall clock for stored timestamps. */
  now?: () => number;
  /** Minimum time between checks for changes made by other processes. Default 50 ms. */
  refreshIntervalMs?: number;
  /** How long to wait for another process holding the store lock. Default 5000 ms. */
  lockTimeoutMs?: number;
  /** Compact once the journal is larger than this. Default: a quarter of the snapshot's size, at least 1 MiB. */
  journalMaxBytes?: number;
  /**
   * false: every change rewrites the whole snapshot, as before the journal existed. Only for the benchmark's
   * side-by-side comparison; never use it on a folder another store opens with the journal.
   */
  journal?: boolean;
}

export interface StoreIoStats {
  /** Every byte this store wrote to its files (journal records and headers, snapshots). */
  bytesWritten: number;
  appends: number;
  snapshots: number;
  compactions: number;
  /** Times both files were read whole (open, another process's compaction, recovery). */
  fullReads: number;
}

export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(readonly health: StoreHealth) {
    super(`pairing store unavailable: ${health.error ?? 'unknown error'}`);
    this.name = 'StoreUnavailableError';
  }
}
