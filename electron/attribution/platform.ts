// What each OS backend provides: find the socket (and its owner) behind a port pair, and describe a process.
import type { AttributionMethod, ProcessFacts } from '../../shared/attribution';

export interface FoundSocket {
  /** false: no such socket (the connection closed, or the port is free). */
  found: boolean;
  pid?: number;
  /** The socket's owner, where the OS tells (Linux). */
  uid?: number;
}

export interface ProcessCache {
  get(key: string): ProcessFacts | undefined;
  set(key: string, facts: ProcessFacts): void;
}

export interface AttributionBackend {
  method: AttributionMethod;
  /** `onOwner` hears the socket's owner as soon as it is known (before the slower search for its process). */
  findPeer(peerPort: number, ourPort: number, likely: readonly number[], onOwner?: (uid: number) => void): Promise<FoundSocket>;
  findListener(port: number): Promise<FoundSocket>;
  describe(pid: number, cache: ProcessCache): Promise<ProcessFacts | undefined>;
  /** This process's OS user, to compare with (uid on POSIX, user name on Windows). */
  ownUser(): { uid?: number; user?: string };
}
