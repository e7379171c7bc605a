// The connect request, in the reference order: schema, protocol, role, credentials, device proof,
// pairing decision, token. Every failure carries the exact wire error and the close code that follows it.
import { timingSafeEqual, createHash } from 'node:crypto';
import { CloseCode, DetailCode, ErrorCode, GatewayError, type ErrorShape } from '../../shared/errors';
import { ConnectParamsSchema, formatIssues, PROTOCOL_MAX, PROTOCOL_MIN, type ConnectParams } from '../../shared/frames';
import { cleanReported } from '../../shared/reported-text';
import { isRole, normalizeScopes, OPERATOR_SCOPES } from '../../shared/scopes';
import type { IssuedToken, PairingService, TokenCheck } from '../pairing/pairing-service';
import { AuthLimiter } from './auth-limiter';
import type { AuthMethod, Connection, ConnectionIdentity } from './connection';
import { verifyDeviceProof } from './device-proof';
import type { OwnerCredentials } from './owner-credentials';

export class HandshakeFailure extends Error {
  constructor(readonly error: ErrorShape | null, readonly closeCode: number, readonly closeReason: string) {
    super(error?.message ?? closeReason);
  }
}

export interface HandshakeDeps {
  gatewayToken: () => string;
  owner: OwnerCredentials;
  pairing: PairingService;
  limiter: AuthLimiter;
  now?: () => number;
}

export interface HandshakeResult {
  identity: ConnectionIdentity;
  token: IssuedToken | null;
  ownerSession?: string;
  /** The owner session this socket holds open (released when it closes). */
  ownerHandle?: string;
}

function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

function reject(e: GatewayError, close: number = CloseCode.POLICY, reason?: string): never {
  throw new HandshakeFailure(e.shape, close, reason ?? e.shape.message);
}

function hintFor(p: ConnectParams): string {
  if (p.client.mode === 'cli') return 'set gateway.remote.token to match gateway.auth.token, or run `loopgate token`';
  if (p.client.mode === 'webchat' || p.client.id === 'openclaw-control-ui') return 'open the dashboard URL and paste the token in Control UI settings';
  return 'provide gateway auth token';
}

function unauthorized(message: string, code: string, authReason: string, extra: Record<string, unknown> = {}): GatewayError {
  const nextStep = code === DetailCode.AUTH_TOKEN_MISSING ? 'update_auth_configuration'
    : code === DetailCode.AUTH_RATE_LIMITED ? 'wait_then_retry' : 'update_auth_credentials';
  return new GatewayError(ErrorCode.INVALID_REQUEST, message, { code, authReason, canRetryWithDeviceToken: false, recommendedNextStep: nextStep, ...extra });
}

/** Pick the highest protocol both sides speak. */
export function negotiateProtocol(min: number, max: number): number | null {
  const hi = Math.min(max, PROTOCOL_MAX);
  return hi >= Math.max(min, PROTOCOL_MIN) ? hi : null;
}

export async function runHandshake(conn: Connection, rawParams: unknown, deps: HandshakeDeps): Promise<HandshakeResult> {
  const now = deps.now ?? Date.now;
  const parsed = ConnectParamsSchema.safeParse(rawParams);
  if (!parsed.success) {
    const msg = `invalid connect params: ${formatIssues(parsed.error.issues)}`;
    reject(new GatewayError(ErrorCode.INVALID_REQUEST, msg));
  }
  const p = parsed.data;
  const protocol = negotiateProtocol(p.minProtocol, p.maxProtocol);
  if (protocol === null) {
    reject(new GatewayError(ErrorCode.INVALID_REQUEST, 'protocol mismatch', { expectedProtocol: PROTOCOL_MAX, supportedProtocols: [PROTOCOL_MIN, PROTOCOL_MAX] }), CloseCode.PROTOCOL_ERROR, 'protocol mismatch');
  }
  const role = p.role ?? 'operator';
  if (!isRole(role)) reject(new GatewayError(ErrorCode.INVALID_REQUEST, 'invalid role'));
  const requested = p.scopes ?? [];
  const scopes = normalizeScopes(requested);

  // Credentials, throttled by the gateway's own locality judgement. The lock is consulted only when a credential
  // fails: a valid gateway token, owner credential or device token is never refused because someone else failed.
  const limitKey = AuthLimiter.key(conn.transport, conn.peer, conn.origin);
  const authFailed = (e: GatewayError): never => {
    const locked = deps.limiter.lockedFor(limitKey);
    if (locked > 0) {
      reject(unauthorized('unauthorized: too many failed authentication attempts (retry later)', DetailCode.AUTH_RATE_LIMITED, 'rate_limited', { retryAfterMs: locked }));
    }
    deps.limiter.fail(limitKey);
    reject(e);
  };
  const token = p.auth?.token || undefined;
  const password = p.auth?.password || undefined;
  const explicitDeviceToken = p.auth?.deviceToken || undefined;
  const shared = token ?? password;
  const sharedOk = !!shared && sameSecret(shared, deps.gatewayToken());
  const reportedName = cleanReported(p.client.displayName, 64);
  const reportedFamily = cleanReported(p.client.deviceFamily, 64);
  const base = {
    protocol, role, clientId: p.client.id, clientMode: p.client.mode, platform: cleanReported(p.client.platform, 64) ?? 'unknown',
    version: cleanReported(p.client.version, 64) ?? 'unknown',
    ...(reportedName ? { displayName: reportedName } : {}), ...(reportedFamily ? { deviceFamily: reportedFamily } : {}),
    ...(p.client.instanceId ? { instanceId: p.client.instanceId } : {}),
    caps: p.caps ?? [], commands: p.commands ?? [], connectedAtMs: now(),
  };

  if (!p.device) {
    if (!sharedOk && shared && role === 'operator') {
      const owner = deps.owner.redeem(shared);
      if (owner) {
        deps.limiter.succeed(limitKey);
        return {
          identity: { ...base, scopes: [...OPERATOR_SCOPES], authMethod: 'owner', local: false },
          token: null, ownerHandle: owner.handle, ...(owner.kind === 'link' ? { ownerSession: owner.session } : {}),
        };
      }
    }
    if (!shared) reject(unauthorized(`unauthorized: gateway token missing (${hintFor(p)})`, DetailCode.AUTH_TOKEN_MISSING, 'token_missing'));
    if (!sharedOk) authFailed(unauthorized(`unauthorized: gateway token mismatch (${hintFor(p)})`, DetailCode.AUTH_TOKEN_MISMATCH, 'token_mismatch'));
    if (role !== 'operator') reject(new GatewayError(ErrorCode.NOT_PAIRED, 'device identity required', { code: DetailCode.DEVICE_IDENTITY_REQUIRED }));
    deps.limiter.succeed(limitKey);
    // A probe learns only that the gateway is there (as OpenClaw does).
    const granted = p.client.mode === 'probe' ? [] : scopes;
    return { identity: { ...base, scopes: granted, authMethod: 'token', local: conn.transport === 'local' }, token: null };
  }

  let device;
  try {
    device = verifyDeviceProof(p, role, requested, conn.nonce, now(), (id, key) => deps.pairing.store.get(id)?.publicKey === key);
  } catch (e) {
    if (e instanceof GatewayError) reject(e);
    throw e;
  }

  // The device token is tried when the shared token did not already authenticate (auth.deviceToken, else auth.token).
  let authMethod: AuthMethod = sharedOk ? 'token' : 'device-key';
  let presentedDeviceToken: string | undefined;
  let tokenCheck: TokenCheck = { status: 'none' };
  if (!sharedOk) {
    const candidate = explicitDeviceToken ?? token;
    tokenCheck = deps.pairing.checkDeviceToken(device.deviceId, role, candidate);
    // A device the user removed comes back with its old token: no token resurrection, but a fresh request for
    // the user (never local, since nothing it holds is valid any more).
    if (tokenCheck.status === 'mismatch' && !deps.pairing.store.get(device.deviceId) && (!shared || shared === explicitDeviceToken)) tokenCheck = { status: 'none' };
    if (tokenCheck.status === 'ok') {
      authMethod = 'device-token';
      presentedDeviceToken = candidate;
    } else if (tokenCheck.status !== 'none' && (candidate || password)) {
      if (explicitDeviceToken || tokenCheck.status === 'revoked') {
        authFailed(unauthorized(`unauthorized: device token ${tokenCheck.status === 'revoked' ? 'revoked' : 'mismatch'} (rotate/reissue device token)`, DetailCode.AUTH_DEVICE_TOKEN_MISMATCH, 'device_token_mismatch'));
      }
      authFailed(unauthorized(`unauthorized: gateway token mismatch (${hintFor(p)})`, DetailCode.AUTH_TOKEN_MISMATCH, 'token_mismatch', {
        canRetryWithDeviceToken: true, recommendedNextStep: 'retry_with_device_token',
      }));
    }
  }
  deps.limiter.succeed(limitKey);

  // Local in the spec's sense: a local transport and a credential that proves access to this user's files (the
  // gateway token, or a device token a local approval issued: one approved for a remote peer proves nothing).
  const local = conn.transport === 'local' && (authMethod === 'token' || (authMethod === 'device-token' && tokenCheck.local === true));
  const locality = local ? 'local' : conn.transport === 'browser' ? 'browser' : 'remote';
  try {
    // Reported text is cleaned before anyone sees it (the signature was checked over the raw values above).
    const displayName = cleanReported(p.client.displayName, 64);
    const deviceFamily = cleanReported(p.client.deviceFamily, 64);
    await deps.pairing.admit({
      deviceId: device.deviceId, publicKey: device.publicKey, role, scopes,
      ...(displayName ? { displayName } : {}),
      platform: cleanReported(p.client.platform, 64) ?? 'unknown', ...(deviceFamily ? { deviceFamily } : {}),
      clientId: p.client.id, clientMode: p.client.mode,
    }, { locality, address: conn.peer, ...(conn.origin ? { origin: conn.origin } : {}), ...(conn.who ? { who: conn.who } : {}) });
  } catch (e) {
    if (e instanceof GatewayError) {
      const details = e.shape.details as { requestId?: string } | undefined;
      const reason = details?.requestId ? `${e.shape.message} (requestId: ${details.requestId})` : e.shape.message;
      reject(e, CloseCode.POLICY, reason);
    }
    throw e;
  }
  // Only a connect that proved itself with the gateway token may be issued a new token here; a key alone gets
  // at most the token an approval left waiting (so a revoked or narrowed token stays revoked or narrow).
  const issued = await deps.pairing.ensureToken(device.deviceId, role, scopes, { presented: presentedDeviceToken, mayMint: authMethod === 'token', local });
  deps.pairing.seen(device.deviceId, role, conn.peer, local, authMethod === 'device-token');
  return {
    identity: { ...base, scopes, authMethod, deviceId: device.deviceId, local },
    token: issued,
  };
}
