// Pairing as the gateway uses it: decide on a verified device, approve silently or queue for the user,
// and own every change to a device's roles, scopes and tokens (approve, reject, remove, rotate, revoke, narrow).
import { EventEmitter } from 'node:events';
import { fingerprintOf, normalizeDeviceMetadata } from '../../shared/device-auth';
import { DetailCode, ErrorCode, GatewayError, invalidRequest } from '../../shared/errors';
import {
  approvedRolesOf, approvedScopesOf, decidePairing, pairingMessage, pairingReason, remediationHint,
  type ClientLocality, type PairingReason, type SilentPolicy,
} from '../../shared/pairing-decision';
import type { AuditEntry, PairedDeviceView, PairResolvedEvent, PendingRequestView } from '../../shared/pairing-types';
import { attributionLabel, programOf, type PeerAttribution, type ProgramRef } from '../../shared/attribution';
import { capKeyOf, gateByAttribution, holdIfNeeded } from '../attribution/pairing-gate';
import { ProgramMemory } from '../attribution/program-memory';
import { cleanReported } from '../../shared/reported-text';
import { normalizeScopes, roleScopesAllow, SCOPE, scopesWithin } from '../../shared/scopes';
import type { AuditLog } from './audit-log';
import type { PairingStore } from './pairing-store';
import { grantFor, heldRecord, type Grant } from './approval-grant';
import { DeviceViews } from './device-views';
import { PendingRequests, type PendingLimits } from './pending-requests';
import type { PairedDevice, TokenRecord } from './store-schema';
import { hashToken, newToken, tokenMatches } from './token-hash';
import { UndeliveredTokens } from './undelivered-tokens';

/** Who is acting: the owner (window, gateway-token holder) or a paired device session with its scopes. */
export type Actor =
  | { kind: 'owner'; label: string }
  /** A device-less client holding the gateway token: may act on any device, within its own scopes. */
  | { kind: 'token'; scopes: readonly string[]; label: string }
  /** A paired device's session: without operator.admin it acts only on itself (GHSA-xrq9). */
  | { kind: 'device'; deviceId: string; scopes: readonly string[]; label: string };

export interface DeviceAsk {
  deviceId: string;
  publicKey: string;
  role: string;
  scopes: string[];
  displayName?: string;
  platform?: string;
  deviceFamily?: string;
  clientId?: string;
  clientMode?: string;
  /** The program behind the connection, when attribution found it. */
  program?: ProgramRef;
}

export interface RequestContext {
  locality: ClientLocality;
  address: string;
  origin?: string;
  /** Who is asking (the local process), looked up only when a decision needs it. */
  who?: () => Promise<PeerAttribution>;
}

export interface IssuedToken {
  token?: string;
  role: string;
  scopes: string[];
  issuedAtMs: number;
}

export interface TokenCheck {
  status: 'ok' | 'revoked' | 'mismatch' | 'none';
  /** With ok: what the token covers, and whether a local approval issued it (only then it proves locality). */
  scopes?: string[];
  local?: boolean;
}

interface ServiceEvents {
  requested: [PendingRequestView];
  resolved: [PairResolvedEvent];
  pending: [PendingRequestView[]];
  audit: [AuditEntry];
  devices: [];
  /** A device's live connections must go (removed, token revoked, narrowed). */
  disconnect: [{ deviceId: string; role?: string; reason: string }];
}

const UNDELIVERED_TTL_MS = 10 * 60_000;
const PICKUP_GRACE_MS = 10_000;

function actorScopes(actor: Actor): readonly string[] {
  return actor.kind === 'owner' ? [SCOPE.admin] : actor.scopes;
}

function isAdmin(actor: Actor): boolean {
  return actor.kind === 'owner' || roleScopesAllow('operator', [SCOPE.admin], actor.scopes);
}

/**
 * May this actor act on (or see) this device's records? A paired device session reaches only itself: a local
 * device can widen itself to operator.admin silently, so admin cannot be what lets one device act on another.
 */
export function reachesDevice(actor: Actor, deviceId: string): boolean {
  return actor.kind !== 'device' || actor.deviceId === deviceId;
}

export class PairingService extends EventEmitter<ServiceEvents> {
  readonly pending: PendingRequests;
  /** Tokens minted at approval, held in memory only until the device's next connect picks them up. */
  readonly undelivered: UndeliveredTokens;
  private paused = false;
  private readonly views: DeviceViews;
  /** Settings: a device coming back from another program is asked about (default on). */
  programPinning: () => boolean = () => true;
  /** Which program each device last connected from (electron/attribution). */
  readonly programs: ProgramMemory;

  constructor(
    readonly store: PairingStore,
    readonly audit: AuditLog,
    limits: PendingLimits,
    private policy: () => SilentPolicy,
    private isConnected: (deviceId: string) => boolean = () => false,
    private now: () => number = Date.now,
  ) {
    super();
    this.undelivered = new UndeliveredTokens(now);
    this.pending = new PendingRequests(limits, (req) => void this.expire(req), now);
    this.programs = new ProgramMemory(store, (deviceId) => this.deviceChanged(deviceId));
    this.views = new DeviceViews(store, isConnected, this.programs);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  isPaused(): boolean {
    return this.paused;
  }

  private record(entry: Omit<AuditEntry, 'ts'>): void {
    const full: AuditEntry = { ts: this.now(), ...entry };
    this.audit.append(full);
    this.emit('audit', full);
  }

  private pendingChanged(): void {
    this.emit('pending', this.pending.list());
  }

  private requireStore(): void {
    const h = this.store.health();
    if (!h.ok) {
      throw new GatewayError(ErrorCode.UNAVAILABLE, `pairing store unavailable: ${h.error ?? 'unreadable'}${h.quarantinedTo ? ` (moved aside to ${h.quarantinedTo})` : ''}`, { code: DetailCode.STORE_UNAVAILABLE });
    }
  }

  // ---- the connect path -------------------------------------------------------------------------

  /** Token check for a device and role: the presented secret must match that role's live token. */
  checkDeviceToken(deviceId: string, role: string, presented: string | undefined): TokenCheck {
    if (!presented) return { status: 'none' };
    const tok = this.store.get(deviceId)?.tokens[role];
    if (!tok || !tokenMatches(presented, tok.hash)) return { status: 'mismatch' };
    if (tok.revokedAtMs) return { status: 'revoked' };
    return { status: 'ok', scopes: [...tok.scopes], local: tok.issuedLocal === true };
  }

  /**
   * What the decision judges an ask against and an approval builds on: the stored approval minus revoked roles,
   * bounded by the role's live token (see approval-grant.ts).
   */
  private held(rec: PairedDevice | undefined, role: string): PairedDevice | undefined {
    const tok = rec?.tokens[role];
    return heldRecord(rec, role, tok && !tok.revokedAtMs ? tok.scopes : undefined);
  }

  /** Exactly what approving this ask would give the device now (shown with the request, checked, then written). */
  grantPreview(ask: { deviceId: string; publicKey: string; role: string; scopes: readonly string[] }): Grant {
    const rec = this.store.get(ask.deviceId);
    return grantFor(rec && rec.publicKey === ask.publicKey ? this.held(rec, ask.role) : undefined, ask);
  }

  /**
   * Decide for a verified device. Resolves when the device may proceed (already paired, or approved silently
   * just now); throws the pairing-required error (after queueing a request for the user) otherwise.
   */
  async admit(ask: DeviceAsk, ctx: RequestContext): Promise<{ silentReason?: PairingReason }> {
    this.requireStore();
    const stored = this.store.get(ask.deviceId);
    const rec = this.held(stored, ask.role);
    const first = decidePairing(rec, ask, ctx.locality, this.policy());
    if (first.kind === 'paired') return {};
    // A decision is needed: now (and only now) ask who is behind the connection. It can only make it stricter.
    const who = ctx.who ? await ctx.who() : undefined;
    const asked = ctx.locality;
    const gate = gateByAttribution({ locality: ctx.locality, attribution: who, approvedFrom: stored?.publicKey === ask.publicKey ? stored.approvedFrom : undefined, pinning: this.programPinning() });
    if (gate.locality !== ctx.locality) ctx = { ...ctx, locality: gate.locality };
    const decision = holdIfNeeded(gate.locality !== asked ? decidePairing(rec, ask, gate.locality, this.policy()) : first, gate);
    if (decision.kind === 'paired') return {};
    ask = { ...ask, ...(gate.program ? { program: gate.program } : {}) };
    const programLabel = who ? attributionLabel(who) : undefined;
    if (decision.silent && !this.paused) {
      await this.applyApproval(ask, { kind: 'owner', label: 'silent' }, null, decision.reason, ctx, true, programLabel);
      return { silentReason: decision.reason };
    }
    if (this.paused) {
      throw new GatewayError(ErrorCode.NOT_PAIRED, 'pairing paused: the user is not accepting new pairing requests', { code: DetailCode.PAIRING_PAUSED, reason: decision.reason });
    }
    const sameKey = rec !== undefined && rec.publicKey === ask.publicKey;
    const result = this.pending.upsert({
      deviceId: ask.deviceId, publicKey: ask.publicKey, fingerprint: fingerprintOf(ask.deviceId),
      displayName: ask.displayName, platform: ask.platform, deviceFamily: ask.deviceFamily,
      clientId: ask.clientId, clientMode: ask.clientMode, role: ask.role,
      roles: [ask.role], scopes: ask.scopes,
      remoteIp: ctx.locality === 'local' ? undefined : ctx.address,
      isRepair: !!rec, reason: decision.reason, locality: ctx.locality, sourceAddress: ctx.address, origin: ctx.origin,
      // What this key holds: a device id seen before with another key holds nothing (the approval would not carry over).
      heldRoles: sameKey ? approvedRolesOf(rec) : [], heldScopes: sameKey ? approvedScopesOf(rec) : [],
      grant: (({ roles, scopes }) => ({ roles, scopes }))(this.grantPreview(ask)),
      ...(who ? { attribution: who } : {}), ...(gate.programChanged && stored?.approvedFrom ? { approvedFrom: stored.approvedFrom, programChanged: true } : {}),
      ...(capKeyOf(who) ? { capKey: capKeyOf(who) } : {}),
    });
    if (result.kind === 'cooldown') {
      throw new GatewayError(ErrorCode.NOT_PAIRED, 'pairing rejected: the user denied this device recently; try again later',
        { code: DetailCode.PAIRING_REJECTED, reason: decision.reason }, { retryable: true, retryAfterMs: result.retryAfterMs });
    }
    if (result.kind === 'limited') {
      throw new GatewayError(ErrorCode.NOT_PAIRED, `pairing rate limited: ${result.message}`, { code: DetailCode.PAIRING_RATE_LIMITED, reason: decision.reason }, { retryable: true, retryAfterMs: 30_000 });
    }
    const req = result.request;
    if (result.kind === 'created') {
      if (result.superseded) this.resolveGone(result.superseded, 'superseded', 'replaced by a new request');
      this.record({ deviceId: ask.deviceId, reason: decision.reason, decision: 'requested', by: 'device', silent: false, role: ask.role, scopes: req.scopes, requestId: req.requestId, address: ctx.address, locality: ctx.locality, displayName: ask.displayName, ...(programLabel ? { program: programLabel } : {}) });
      this.emit('requested', req);
      this.pendingChanged();
    }
    throw new GatewayError(ErrorCode.NOT_PAIRED, pairingMessage(decision.reason), {
      code: DetailCode.PAIRING_REQUIRED, reason: decision.reason, requestId: req.requestId,
      remediationHint: remediationHint(decision.reason), deviceId: ask.deviceId,
      // The request stays the same while the ask does, so OpenClaw clients may keep retrying until the user decides.
      recommendedNextStep: 'wait_then_retry', pauseReconnect: false, retryable: true,
      requestedRole: ask.role, requestedScopes: req.scopes, approvedRoles: req.heldRoles, approvedScopes: req.heldScopes,
    });
  }

  /**
   * The token a connect hands back: the presented one when it covers the ask, one waiting from an approval
   * (kept for a few minutes, so parallel connects of one device all receive the same token), or, only for a
   * connect that proved itself with the gateway token, a new one within the approved baseline.
   */
  async ensureToken(deviceId: string, role: string, scopes: readonly string[], opts: { presented?: string; mayMint: boolean; local: boolean }): Promise<IssuedToken | null> {
    const rec = this.store.get(deviceId);
    if (!rec) return null;
    const tok = rec.tokens[role];
    const wanted = normalizeScopes(scopes);
    const waiting = this.undelivered.get(`${deviceId}\u0000${role}`);
    if (tok && !tok.revokedAtMs && roleScopesAllow(role, wanted, tok.scopes)) {
      const issuedAtMs = tok.rotatedAtMs ?? tok.createdAtMs;
      if (opts.presented && tokenMatches(opts.presented, tok.hash)) return { token: opts.presented, role, scopes: tok.scopes, issuedAtMs };
      if (waiting && waiting.until > this.now() && tokenMatches(waiting.token, tok.hash)) {
        // Picked up: parallel connects of the same start get it for a few seconds more, then it is gone.
        waiting.until = Math.min(waiting.until, this.now() + PICKUP_GRACE_MS);
        return { token: waiting.token, role, scopes: tok.scopes, issuedAtMs };
      }
      return { role, scopes: tok.scopes, issuedAtMs };
    }
    if (!opts.mayMint) return null;
    if (!roleScopesAllow(role, wanted, approvedScopesOf(this.held(rec, role) ?? rec)) && wanted.length) return null;
    const token = newToken();
    const at = this.now();
    // Never the scopes of a revoked token: without an ask, what the device holds now.
    const live = tok && !tok.revokedAtMs ? tok.scopes : undefined;
    const scopesForToken = wanted.length ? wanted : normalizeScopes(live ?? (role === 'operator' ? approvedScopesOf(this.held(rec, role) ?? rec) : []));
    await this.store.mutate((devices) => {
      const d = devices.get(deviceId);
      if (!d) return;
      const prev = d.tokens[role];
      d.tokens[role] = {
        hash: hashToken(token), role, scopes: scopesForToken, createdAtMs: prev?.createdAtMs ?? at, ...(prev ? { rotatedAtMs: at } : {}),
        ...(prev?.lastUsedAtMs ? { lastUsedAtMs: prev.lastUsedAtMs } : {}), issuedLocal: opts.local,
      };
    });
    return { token, role, scopes: scopesForToken, issuedAtMs: at };
  }

  /** Remember that a device was seen; debounced by the store so reconnects do not rewrite the file. */
  seen(deviceId: string, role: string, address: string, local: boolean, viaToken: boolean): void {
    const at = this.now();
    this.deviceChanged(deviceId);
    this.store.touch(deviceId, {
      lastSeenAtMs: at, lastSeenReason: 'connect', ...(local ? {} : { remoteIp: address }),
      ...(viaToken ? { tokenRole: role, tokenLastUsedAtMs: at } : {}),
    });
  }

  // ---- decisions --------------------------------------------------------------------------------

  private async applyApproval(
    ask: DeviceAsk, actor: Actor, requestId: string | null, reason: string, ctx: RequestContext | null, silent: boolean, programLabel?: string,
  ): Promise<PairedDevice> {
    const at = this.now();
    const token = newToken();
    let already = false;
    let granted: string[] = [];
    const device = await this.store.mutate((devices) => {
      const prev = devices.get(ask.deviceId);
      // A parallel connect of the same device may have been approved while this one waited for the lock.
      if (silent && prev && !pairingReason(this.held(prev, ask.role), ask) && prev.tokens[ask.role] && !prev.tokens[ask.role]!.revokedAtMs) {
        already = true;
        return prev;
      }
      const keyChanged = prev && prev.publicKey !== ask.publicKey;
      const base = keyChanged ? undefined : prev;
      // Exactly what the request showed: the new token carries the asked scopes, never a revoked token's or an
      // older approved set's; the approved set grows only by them.
      const grant = grantFor(this.held(base, ask.role), ask);
      granted = grant.scopes;
      const prevTok = base?.tokens[ask.role];
      const tokens: Record<string, TokenRecord> = { ...(base?.tokens ?? {}) };
      tokens[ask.role] = {
        hash: hashToken(token), role: ask.role, scopes: grant.scopes, createdAtMs: prevTok?.createdAtMs ?? at, ...(prevTok ? { rotatedAtMs: at } : {}),
        issuedLocal: silent || ctx?.locality === 'local',
      };
      const roles = grant.roles;
      const approved = grant.approvedScopes;
      const rec: PairedDevice = {
        deviceId: ask.deviceId, publicKey: ask.publicKey,
        ...(ask.displayName ? { displayName: ask.displayName } : base?.displayName ? { displayName: base.displayName } : {}),
        ...(ask.platform ? { platform: normalizeDeviceMetadata(ask.platform) } : {}),
        ...(ask.deviceFamily ? { deviceFamily: normalizeDeviceMetadata(ask.deviceFamily) } : {}),
        ...(ask.clientId ? { clientId: ask.clientId } : {}),
        ...(ask.clientMode ? { clientMode: ask.clientMode } : {}),
        role: ask.role, roles, scopes: approved, approvedScopes: approved,
        ...(ctx && ctx.locality !== 'local' ? { remoteIp: ctx.address } : base?.remoteIp ? { remoteIp: base.remoteIp } : {}),
        approvedVia: silent ? 'silent' : actor.label,
        // The program a silent approval came from is the one already remembered; a user's approval sets it anew.
        ...(silent && base?.approvedFrom ? { approvedFrom: base.approvedFrom } : ask.program ? { approvedFrom: ask.program } : base?.approvedFrom ? { approvedFrom: base.approvedFrom } : {}),
        ...(ask.program ? { lastFrom: ask.program } : base?.lastFrom ? { lastFrom: base.lastFrom } : {}),
        createdAtMs: base?.createdAtMs ?? at, approvedAtMs: at, lastSeenAtMs: at, lastSeenReason: silent ? 'silent-approval' : 'approval',
        tokens,
      };
      devices.set(ask.deviceId, rec);
      return rec;
    });
    if (already) return device;
    this.undelivered.set(`${ask.deviceId}\u0000${ask.role}`, { token, until: at + UNDELIVERED_TTL_MS });
    const rid = requestId ?? `silent-${ask.deviceId.slice(0, 12)}-${at}`;
    this.record({
      deviceId: ask.deviceId, reason, decision: 'approved', by: silent ? 'silent policy (local client)' : actor.label, silent,
      role: ask.role, scopes: granted, requestId: rid, ...(ctx ? { address: ctx.address, locality: ctx.locality } : {}), displayName: ask.displayName,
      ...(programLabel ? { program: programLabel } : {}),
    });
    this.emit('resolved', { requestId: rid, deviceId: ask.deviceId, decision: 'approved', ts: at, reason, silent, cause: 'approved' });
    this.emit('devices');
    return device;
  }

  private findRequest(requestId: string): PendingRequestView {
    const req = this.pending.get(requestId);
    if (!req) throw invalidRequest('unknown requestId', { requestId, hint: 'the request was decided, replaced by a newer one, or expired' });
    return req;
  }

  /**
   * GHSA-hf68 / GHSA-xrq9: an approver grants nothing it does not hold, and a device acts only on itself. Judged on
   * what the approval will grant (the same computation applyApproval writes), not on the request's own list.
   */
  private checkApprover(actor: Actor, grant: Grant): void {
    if (actor.kind === 'owner') return;
    // Requests wait for the user: a paired device (which may have widened itself silently) never decides one.
    if (actor.kind === 'device') throw invalidRequest('device pairing approval denied: requests are decided by the user (the Loopgate window, tray or a gateway-token client), not by a paired device');
    const held = actorScopes(actor);
    const admin = isAdmin(actor);
    if (grant.role !== 'operator' && !admin) throw invalidRequest(`device pairing approval denied: approving role ${grant.role} requires operator.admin`);
    const { refused } = scopesWithin(grant.scopes, held);
    if (refused.length) throw invalidRequest(`device pairing approval denied: the approver does not hold ${refused.join(', ')}`);
  }

  async approve(requestId: string, actor: Actor, narrowTo?: string[]): Promise<{ requestId: string; device: PairedDeviceView }> {
    this.requireStore();
    const req = this.findRequest(requestId);
    const scopes = narrowTo ? normalizeScopes(narrowTo) : req.scopes;
    if (narrowTo && !scopes.every((s) => req.scopes.includes(s))) throw invalidRequest('approve: scopes must be a subset of the requested scopes');
    this.checkApprover(actor, this.grantPreview({ ...req, scopes }));
    // Out of the queue before the write: a Deny or the expiry timer arriving meanwhile finds nothing to decide.
    this.pending.drop(requestId);
    let device: PairedDevice;
    try {
      const program = programOf(req.attribution, this.now());
      device = await this.applyApproval({ ...req, scopes, ...(program ? { program } : {}) }, actor, requestId, req.reason, { locality: req.locality, address: req.sourceAddress }, false,
        req.attribution ? attributionLabel(req.attribution) : undefined);
    } catch (e) {
      this.pending.restore(req);
      throw e;
    }
    this.pendingChanged();
    return { requestId, device: this.view(device) };
  }

  async reject(requestId: string, actor: Actor): Promise<{ requestId: string; deviceId: string }> {
    const req = this.findRequest(requestId);
    if (!reachesDevice(actor, req.deviceId)) {
      throw invalidRequest('device pairing rejection denied: a device without operator.admin may only act on its own requests');
    }
    this.pending.drop(requestId);
    this.pending.startCooldown(req.deviceId);
    this.record({ deviceId: req.deviceId, reason: req.reason, decision: 'rejected', by: actor.label, silent: false, role: req.role, scopes: req.scopes, requestId, address: req.sourceAddress, locality: req.locality, displayName: req.displayName, ...(req.attribution ? { program: attributionLabel(req.attribution) } : {}) });
    this.emit('resolved', { requestId, deviceId: req.deviceId, decision: 'rejected', ts: this.now(), reason: req.reason, silent: false, cause: 'rejected' });
    this.pendingChanged();
    return { requestId, deviceId: req.deviceId };
  }

  private resolveGone(req: PendingRequestView, cause: 'expired' | 'superseded' | 'removed', by: string): void {
    this.record({ deviceId: req.deviceId, reason: req.reason, decision: cause, by, silent: false, role: req.role, scopes: req.scopes, requestId: req.requestId, address: req.sourceAddress, locality: req.locality, displayName: req.displayName });
    this.emit('resolved', { requestId: req.requestId, deviceId: req.deviceId, decision: 'rejected', ts: this.now(), reason: req.reason, silent: false, cause });
  }

  private expire(req: PendingRequestView): void {
    this.pending.startCooldown(req.deviceId);
    this.resolveGone(req, 'expired', 'timeout (no decision within the time limit)');
    this.pendingChanged();
  }

  private deviceOrThrow(deviceId: string): PairedDevice {
    const d = this.store.get(deviceId);
    if (!d) throw invalidRequest('unknown deviceId', { deviceId });
    return d;
  }

  private checkSelfOrAdmin(actor: Actor, deviceId: string, what: string): void {
    if (!reachesDevice(actor, deviceId)) {
      throw invalidRequest(`${what} denied: a device without operator.admin may only act on itself`);
    }
  }

  async remove(deviceId: string, actor: Actor): Promise<{ deviceId: string }> {
    this.requireStore();
    this.checkSelfOrAdmin(actor, deviceId, 'device removal');
    this.deviceOrThrow(deviceId);
    await this.store.mutate((devices) => void devices.delete(deviceId));
    this.programs.forget(deviceId);
    for (const role of ['operator', 'node']) this.undelivered.delete(`${deviceId}\u0000${role}`);
    const pend = this.pending.dropDevice(deviceId);
    if (pend) {
      this.resolveGone(pend, 'removed', actor.label);
      this.pendingChanged();
    }
    this.record({ deviceId, reason: 'remove', decision: 'removed', by: actor.label, silent: false });
    this.emit('disconnect', { deviceId, reason: 'device removed' });
    this.emit('devices');
    return { deviceId };
  }

  async rotate(deviceId: string, role: string, scopes: string[] | undefined, actor: Actor): Promise<{ deviceId: string; role: string; token?: string; tokenDelivery: string; scopes: string[]; rotatedAtMs: number }> {
    this.requireStore();
    this.checkSelfOrAdmin(actor, deviceId, 'device token rotation');
    const d = this.deviceOrThrow(deviceId);
    if (!approvedRolesOf(d).includes(role) && !d.tokens[role]) throw invalidRequest('unknown deviceId/role', { deviceId, role });
    const next = normalizeScopes(scopes ?? d.tokens[role]?.scopes ?? (role === 'operator' ? approvedScopesOf(d) : []));
    if (next.length && !roleScopesAllow(role, next, approvedScopesOf(d))) throw invalidRequest('device token rotation denied: scopes exceed what this device is approved for', { approvedScopes: approvedScopesOf(d) });
    const { refused } = role === 'operator' ? scopesWithin(next, actorScopes(actor)) : { refused: [] };
    if (refused.length) throw invalidRequest(`device token rotation denied: the caller does not hold ${refused.join(', ')}`);
    const token = newToken();
    const at = this.now();
    await this.store.mutate((devices) => {
      const rec = devices.get(deviceId)!;
      const prev = rec.tokens[role];
      rec.tokens[role] = {
        hash: hashToken(token), role, scopes: next, createdAtMs: prev?.createdAtMs ?? at, rotatedAtMs: at,
        ...(prev?.lastUsedAtMs ? { lastUsedAtMs: prev.lastUsedAtMs } : {}), issuedLocal: prev?.issuedLocal === true,
      };
    });
    this.record({ deviceId, reason: 'rotate', decision: 'token-rotated', by: actor.label, silent: false, role, scopes: next });
    this.emit('devices');
    // The secret goes only to the device itself or the owner (issue #66773); otherwise it waits for the device.
    const maySee = actor.kind === 'owner' || (actor.kind === 'device' && actor.deviceId === deviceId) || (actor.kind === 'token' && isAdmin(actor));
    if (!maySee) this.undelivered.set(`${deviceId}\u0000${role}`, { token, until: at + UNDELIVERED_TTL_MS });
    return { deviceId, role, ...(maySee ? { token } : {}), tokenDelivery: maySee ? 'in-band' : 'withheld-cross-device', scopes: next, rotatedAtMs: at };
  }

  async revoke(deviceId: string, role: string, actor: Actor): Promise<{ deviceId: string; role: string; revokedAtMs: number }> {
    this.requireStore();
    this.checkSelfOrAdmin(actor, deviceId, 'device token revocation');
    const d = this.deviceOrThrow(deviceId);
    if (!d.tokens[role]) throw invalidRequest('unknown deviceId/role', { deviceId, role });
    const at = this.now();
    await this.store.mutate((devices) => {
      const tok = devices.get(deviceId)!.tokens[role]!;
      tok.revokedAtMs = at;
    });
    this.undelivered.delete(`${deviceId}\u0000${role}`);
    this.record({ deviceId, reason: 'revoke', decision: 'token-revoked', by: actor.label, silent: false, role });
    this.emit('disconnect', { deviceId, role, reason: 'device token revoked' });
    this.emit('devices');
    return { deviceId, role, revokedAtMs: at };
  }

  /** Cut a device's approved operator scopes (and roles) down; its tokens shrink to match, live sessions end. */
  async narrow(deviceId: string, scopes: string[], roles: string[] | undefined, actor: Actor): Promise<{ device: PairedDeviceView }> {
    this.requireStore();
    this.checkSelfOrAdmin(actor, deviceId, 'narrowing');
    const d = this.deviceOrThrow(deviceId);
    const nextScopes = normalizeScopes(scopes);
    const held = approvedScopesOf(d);
    const wider = nextScopes.filter((s) => !roleScopesAllow('operator', [s], held));
    if (wider.length) throw invalidRequest(`narrow: ${wider.join(', ')} is not held by this device; narrowing cannot widen`);
    const nextRoles = roles ? normalizeScopes(roles) : approvedRolesOf(d);
    const extraRole = nextRoles.filter((r) => !approvedRolesOf(d).includes(r));
    if (extraRole.length) throw invalidRequest(`narrow: role ${extraRole.join(', ')} is not held by this device`);
    const updated = await this.store.mutate((devices) => {
      const rec = devices.get(deviceId)!;
      rec.scopes = nextScopes;
      rec.approvedScopes = nextScopes;
      rec.roles = nextRoles;
      if (rec.role && !nextRoles.includes(rec.role)) rec.role = nextRoles[0];
      for (const [role, tok] of Object.entries(rec.tokens)) {
        if (!nextRoles.includes(role)) delete rec.tokens[role];
        else if (role === 'operator') tok.scopes = tok.scopes.filter((s) => roleScopesAllow('operator', [s], nextScopes));
      }
      return structuredClone(rec);
    });
    this.record({ deviceId, reason: 'narrow', decision: 'narrowed', by: actor.label, silent: false, scopes: nextScopes });
    this.emit('disconnect', { deviceId, reason: 'device scopes narrowed' });
    this.emit('devices');
    return { device: this.view(updated) };
  }

  /** A user-chosen name (OpenClaw's operatorLabel), kept apart from the name the device reports. */
  async rename(deviceId: string, label: string, actor: Actor): Promise<{ deviceId: string; label: string }> {
    this.requireStore();
    this.checkSelfOrAdmin(actor, deviceId, 'device pairing rename');
    this.deviceOrThrow(deviceId);
    const clean = cleanReported(label, 64);
    if (!clean) throw invalidRequest('label required');
    await this.store.mutate((devices) => void (devices.get(deviceId)!.operatorLabel = clean));
    this.record({ deviceId, reason: 'rename', decision: 'renamed', by: actor.label, silent: false, displayName: clean });
    this.emit('devices');
    return { deviceId, label: clean };
  }

  // ---- views ------------------------------------------------------------------------------------

  view(d: PairedDevice): PairedDeviceView {
    return this.views.view(d);
  }

  /** device.pair.list: a non-admin device session sees only itself. */
  list(actor: Actor): { pending: PendingRequestView[]; paired: PairedDeviceView[] } {
    const own = (id: string) => reachesDevice(actor, id);
    return {
      pending: this.pending.list().filter((r) => own(r.deviceId)),
      paired: this.store.list().filter((d) => own(d.deviceId)).map((d) => this.view(d)),
    };
  }

  /** The same list as JSON text, from per-device pieces cached until the record changes (device-list.ts). */
  listJson(actor: Actor): string {
    const pending = JSON.stringify(this.pending.list().filter((r) => reachesDevice(actor, r.deviceId)));
    return `{"pending":${pending},"paired":${this.views.pairedJson(actor.kind === 'device' ? (id) => reachesDevice(actor, id) : undefined)}`;
  }

  /** Audit entries this actor may read: a device session sees only its own. */
  auditFor(actor: Actor, limit: number, before?: number): AuditEntry[] {
    const all = this.audit.recent(actor.kind === 'device' ? 5000 : limit, before);
    return actor.kind === 'device' ? all.filter((e) => e.deviceId === actor.deviceId).slice(0, limit) : all;
  }

  /** Something a device's view shows changed in place (connected, last seen): its cached view is stale. */
  deviceChanged(deviceId: string): void {
    this.views.changed(this.store.get(deviceId));
  }

  close(): void {
    this.pending.clear();
    this.undelivered.clear();
  }
}
