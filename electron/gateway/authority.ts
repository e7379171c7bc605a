// Who a session is, decided once from the credential it proved in its own handshake (spec §13): the owner
// credential makes it the user's window; the gateway token makes it a token holder, with or without a device
// identity beside it; a device token or a device key alone makes it that device's session and nothing more.
import type { Actor } from '../pairing/pairing-service';
import type { ConnectionIdentity } from './connection';

export type Authority = 'owner' | 'token' | 'device';

export function authorityOf(id: ConnectionIdentity): Authority {
  if (id.authMethod === 'owner') return 'owner';
  if (id.authMethod === 'token') return 'token';
  return 'device';
}

/** The actor the pairing service judges; its kind is the authority above, never inferred from a device block. */
export function actorFor(id: ConnectionIdentity, program?: string): Actor {
  const who = id.deviceId ? `${id.clientId}, device ${id.deviceId.slice(0, 12)}` : id.clientId;
  // The program behind the socket, as the OS reported it (electron/attribution), when it was found.
  const via = program ? ` via ${program}` : '';
  switch (authorityOf(id)) {
    case 'owner': return { kind: 'owner', label: `owner (Loopgate window)${via}` };
    case 'token': return { kind: 'token', scopes: id.scopes, label: `gateway token holder (${who})${via}` };
    case 'device': return { kind: 'device', deviceId: id.deviceId!, scopes: id.scopes, label: `device ${id.deviceId!.slice(0, 12)} (${id.clientId})` };
  }
}

/**
 * May this session hear about (or see) something that concerns `about` (a device id; '' for gateway-wide
 * facts only token holders and the owner see)? A device's own session reaches only itself.
 */
export function reaches(id: ConnectionIdentity, about: string | undefined): boolean {
  if (about === undefined) return true;
  return authorityOf(id) !== 'device' || id.deviceId === about;
}
