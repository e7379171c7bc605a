// Rotating the gateway token ends what the old token opened, at once: every session that authenticated with it
// (with or without a device identity beside it) and every owner session minted through one. What never depended
// on the token stays: device-token sessions, and the window's own owner session (from the Electron bridge or the
// link the gateway printed), so the window and tray carry on without a prompt.
import { CloseCode } from '../../shared/errors';
import type { Connection } from './connection';
import type { OwnerCredentials } from './owner-credentials';

export const TOKEN_ROTATED = 'gateway token rotated';

/** Close the sessions the old token opened; `by` (the caller) is left to its method, which answers it first. */
export function endOldTokenSessions(conns: Iterable<Connection>, owner: OwnerCredentials, by?: Connection): number {
  const ended = owner.endDerived(by?.ownerHandle);
  let closed = 0;
  for (const c of conns) {
    if (c === by || !c.identity) continue;
    if (c.identity.authMethod === 'token' || (c.ownerHandle !== undefined && ended.has(c.ownerHandle))) {
      c.close(CloseCode.POLICY, TOKEN_ROTATED);
      closed++;
    }
  }
  return closed;
}
