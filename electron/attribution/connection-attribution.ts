// One attribution per connection: started at most once (when a decision needs it, or after the handshake
// for "last connected from"), shared by everyone who asks, never on a paired device's critical path.
import type { PeerAttribution } from '../../shared/attribution';
import type { Attributor, PeerHints } from './attributor';

export type LazyAttribution = () => Promise<PeerAttribution>;

export function lazyAttribution(attributor: Attributor, peerPort: number | undefined, ourPort: () => number, hints: PeerHints): LazyAttribution {
  let pending: Promise<PeerAttribution> | undefined;
  return () => {
    if (!pending) {
      pending = peerPort
        ? attributor.peer(peerPort, ourPort(), hints)
        : Promise.resolve({ status: 'unknown', method: attributor.method, why: 'the peer port is unknown', atMs: Date.now() });
    }
    return pending;
  };
}
