// The exec approval records: pending ones with their timers and waiters, resolved ones kept for the grace
// period (waitDecision, a node.invoke that follows the decision) and a bounded history (approval.get). Every
// change goes through here, so the first answer wins and a record is decided exactly once.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../shared/errors';
import {
  EXEC_APPROVAL_PENDING_PER_CLIENT, EXEC_APPROVAL_RESOLVED_GRACE_MS,
  type ApprovalGrant, type ApprovalRequester, type ApprovalRisk, type ApprovalStatus, type ExecApprovalRequest,
  type ExecDecision, type LoopgateDecision, type TerminalReason,
} from '../../shared/exec-approval-types';

/** The requesting connection, as the guard and the visibility rules need it. */
export interface RequesterRef extends ApprovalRequester {
  connId: string;
}

export interface ApprovalEntry {
  id: string;
  request: ExecApprovalRequest;
  createdAtMs: number;
  expiresAtMs: number;
  requester: RequesterRef;
  /** Per-client cap key: the device when there is one (reconnecting does not reset it), else the connection. */
  clientKey: string;
  via: 'node.invoke' | 'request';
  risks: ApprovalRisk[];
  warningLines: string[];
  status: ApprovalStatus;
  decision: ExecDecision | null;
  loopgateDecision: LoopgateDecision | null;
  terminalReason?: TerminalReason;
  resolvedAtMs?: number;
  resolvedBy: string | null;
  resolver: { kind: string; id: string } | null;
  /** allow-once: spent by the first system.run that uses it. */
  consumed: boolean;
  grant?: ApprovalGrant;
  /** Set when a grant answered the request without asking anyone. */
  grantId?: string;
  timer?: NodeJS.Timeout;
  waiters: Array<() => void>;
}

export interface Resolver {
  /** resolvedBy on the wire: the client's display name, else its client id. */
  label: string;
  kind: string;
  id: string;
}

export const APPROVAL_NOT_FOUND = { reason: 'APPROVAL_NOT_FOUND' } as const;
const HISTORY_LIMIT = 2000;

export function notFound(): Error {
  return invalidRequest('unknown or expired approval id', APPROVAL_NOT_FOUND);
}

export interface RecordsEvents {
  resolved: [ApprovalEntry];
}

export class ApprovalRecords extends EventEmitter<RecordsEvents> {
  private readonly pending = new Map<string, ApprovalEntry>();
  /** Resolved records, oldest first (Map insertion order), bounded. */
  private readonly done = new Map<string, ApprovalEntry>();
  private readonly perClient = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  get size(): number {
    return this.pending.size;
  }

  pendingList(): ApprovalEntry[] {
    return [...this.pending.values()].reverse();
  }

  /** Registers a pending record; the caller has validated and built the request. */
  add(init: {
    id?: string; request: ExecApprovalRequest; timeoutMs: number; requester: RequesterRef; via: 'node.invoke' | 'request';
    risks: ApprovalRisk[]; warningLines: string[];
  }): ApprovalEntry {
    if (init.id !== undefined && (this.pending.has(init.id) || this.done.has(init.id))) throw invalidRequest('approval id already pending');
    const clientKey = init.requester.deviceId ? `device:${init.requester.deviceId}` : `conn:${init.requester.connId}`;
    const held = this.perClient.get(clientKey) ?? 0;
    if (held >= EXEC_APPROVAL_PENDING_PER_CLIENT) {
      throw invalidRequest(`too many pending exec approvals from this client (${EXEC_APPROVAL_PENDING_PER_CLIENT}); wait for some to be decided`, {
        reason: 'EXEC_APPROVAL_PENDING_LIMIT', limit: EXEC_APPROVAL_PENDING_PER_CLIENT,
      });
    }
    const createdAtMs = this.now();
    const entry: ApprovalEntry = {
      id: init.id ?? randomUUID(), request: init.request, createdAtMs, expiresAtMs: createdAtMs + init.timeoutMs,
      requester: init.requester, clientKey, via: init.via, risks: init.risks, warningLines: init.warningLines,
      status: 'pending', decision: null, loopgateDecision: null, resolvedBy: null, resolver: null, consumed: false, waiters: [],
    };
    this.pending.set(entry.id, entry);
    this.perClient.set(clientKey, held + 1);
    entry.timer = setTimeout(() => this.finish(entry, { status: 'expired', decision: null, loopgateDecision: null, terminalReason: 'timeout', resolvedBy: null, resolver: null }), init.timeoutMs);
    entry.timer.unref();
    return entry;
  }

  /** Exact id, or a unique prefix of one; `includeResolved` also searches records within their grace period. */
  lookup(input: string, opts: { includeResolved?: boolean; visible?: (e: ApprovalEntry) => boolean } = {}): ApprovalEntry | undefined {
    const visible = opts.visible ?? (() => true);
    const now = this.now();
    const usable = (e: ApprovalEntry | undefined) => !!e && visible(e) && (e.status === 'pending' || (!!opts.includeResolved && this.inGrace(e, now)));
    const exact = this.pending.get(input) ?? this.done.get(input);
    if (exact) return usable(exact) ? exact : undefined;
    if (input.length < 4) return undefined;
    const matches: ApprovalEntry[] = [];
    for (const e of this.pending.values()) if (e.id.startsWith(input) && usable(e)) matches.push(e);
    if (opts.includeResolved) for (const e of this.done.values()) if (e.id.startsWith(input) && usable(e)) matches.push(e);
    if (matches.length > 1) throw invalidRequest('ambiguous approval id prefix; use the full id');
    return matches[0];
  }

  /** Any record still held (pending, resolved or in history): approval.get, the system.run guard. */
  get(id: string): ApprovalEntry | undefined {
    return this.pending.get(id) ?? this.done.get(id);
  }

  inGrace(e: ApprovalEntry, now = this.now()): boolean {
    return e.status !== 'pending' && e.resolvedAtMs !== undefined && now - e.resolvedAtMs <= EXEC_APPROVAL_RESOLVED_GRACE_MS;
  }

  /** A user's (or a grant's) decision; false when the record was already decided. */
  decide(entry: ApprovalEntry, decision: LoopgateDecision, resolver: Resolver | null, extra: { grant?: ApprovalGrant; grantId?: string } = {}): boolean {
    if (entry.status !== 'pending') return false;
    const wire: ExecDecision = decision === 'allow-for-30-minutes' ? 'allow-once' : decision;
    return this.finish(entry, {
      status: wire === 'deny' ? 'denied' : 'allowed', decision: wire, loopgateDecision: decision, terminalReason: 'user',
      resolvedBy: resolver?.label ?? null, resolver: resolver ? { kind: resolver.kind, id: resolver.id } : null, ...extra,
    });
  }

  /** Ended without a user's decision: no route, the requester left, the gateway stopping. */
  terminate(entry: ApprovalEntry, reason: TerminalReason, status: ApprovalStatus = 'cancelled'): boolean {
    return this.finish(entry, { status, decision: null, loopgateDecision: null, terminalReason: reason, resolvedBy: null, resolver: null });
  }

  private finish(entry: ApprovalEntry, outcome: Pick<ApprovalEntry, 'status' | 'decision' | 'loopgateDecision' | 'terminalReason' | 'resolvedBy' | 'resolver'> & { grant?: ApprovalGrant; grantId?: string }): boolean {
    if (entry.status !== 'pending' || this.pending.get(entry.id) !== entry) return false;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    Object.assign(entry, outcome);
    entry.resolvedAtMs = this.now();
    this.pending.delete(entry.id);
    const n = (this.perClient.get(entry.clientKey) ?? 1) - 1;
    if (n > 0) this.perClient.set(entry.clientKey, n); else this.perClient.delete(entry.clientKey);
    this.done.set(entry.id, entry);
    if (this.done.size > HISTORY_LIMIT) this.done.delete(this.done.keys().next().value!);
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const w of waiters) w();
    this.emit('resolved', entry);
    return true;
  }

  /** Resolves when the record is decided (at once if it already is). */
  wait(entry: ApprovalEntry): Promise<void> {
    if (entry.status !== 'pending') return Promise.resolve();
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  /** Pending records a connection asked for (it is gone, or the gateway stops). */
  byRequesterConn(connId: string): ApprovalEntry[] {
    return [...this.pending.values()].filter((e) => e.requester.connId === connId);
  }

  close(): void {
    for (const e of [...this.pending.values()]) this.terminate(e, 'gateway-restart');
  }
}
