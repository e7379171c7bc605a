// Exec approvals: requests, decisions, grants, who is told, and the history. The gateway hands it its live
// connections and an audit sink; methods (approval-methods.ts) and the system.run flow (system-run.ts) call it.
import { EventEmitter } from 'node:events';
import { invalidRequest } from '../../shared/errors';
import {
  ALLOW_FOR_30_MINUTES, EXEC_DECISIONS, LOOPGATE_APPROVAL_EVENTS, LOOPGATE_DECISIONS,
  type ApprovalGrant, type ApprovalRecordView, type ExecApprovalAccepted, type ExecApprovalFinal, type ExecApprovalGetResult,
  type ExecApprovalListEntry, type ExecApprovalRequestedEvent, type ExecApprovalResolvedEvent, type ExecApprovalWaitResult,
  type LoopgateApprovalResolvedEvent, type LoopgateApprovalView, type LoopgateDecision, type LoopgateResolveResult,
} from '../../shared/exec-approval-types';
import type { AuditEntry } from '../../shared/pairing-types';
import type { ConnectionIdentity } from '../gateway/connection';
import { ApprovalGrants } from './approval-grants';
import { ApprovalRecords, notFound, type ApprovalEntry, type RequesterRef, type Resolver } from './approval-records';
import { canSee, isApprovalClient, isRouteFor, requesterOf, type RoutedConnection } from './approval-routing';
import { buildExecApprovalRequest, type ExecApprovalRequestParams } from './exec-approval-request';

export interface ApprovalsHost {
  connections(): Iterable<RoutedConnection & { event(name: string, payload: unknown): void }>;
  /** The node's reported name, for the prompt. */
  nodeName(nodeId: string): string | undefined;
  /** `approvals.timeoutMs` from the settings. */
  timeoutMs(): number;
  audit(entry: Omit<AuditEntry, 'ts'>): void;
  /** The running app's tray and notifications: a route while present. */
  localRoute(): boolean;
}

export interface ExecApprovalEvents {
  approvalRequested: [LoopgateApprovalView];
  approvalResolved: [LoopgateApprovalResolvedEvent];
  approvals: [LoopgateApprovalView[]];
  grants: [ApprovalGrant[]];
}

const isWireDecision = (d: unknown): d is (typeof EXEC_DECISIONS)[number] => (EXEC_DECISIONS as readonly unknown[]).includes(d);

export class ExecApprovals extends EventEmitter<ExecApprovalEvents> {
  readonly records: ApprovalRecords;
  readonly grants: ApprovalGrants;

  constructor(private readonly host: ApprovalsHost, now: () => number = Date.now) {
    super();
    this.records = new ApprovalRecords(now);
    this.grants = new ApprovalGrants(now, () => this.grantsChanged());
    this.records.on('resolved', (e) => this.onResolved(e));
  }

  // ---- creating and delivering ------------------------------------------------------------------

  /** Validate, store, and either answer from a grant, fail for want of a route, or tell the approvers. */
  open(p: ExecApprovalRequestParams, conn: { id: string; identity: ConnectionIdentity }, via: 'node.invoke' | 'request'): { entry: ApprovalEntry; route: boolean } {
    const built = buildExecApprovalRequest(p);
    const requester: RequesterRef = requesterOf(conn.id, conn.identity);
    const entry = this.records.add({
      ...(p.id !== undefined ? { id: p.id } : {}), request: built.request, timeoutMs: p.timeoutMs ?? this.host.timeoutMs(), requester, via,
      risks: built.assessed.risks, warningLines: built.assessed.analysis.warningLines,
    });
    this.audit(entry, 'requested', `exec approval requested (${via === 'node.invoke' ? 'system.run via node.invoke' : 'exec.approval.request'})`, requester.label);
    const grant = this.matchingGrant(entry);
    if (grant) {
      this.grants.use(grant);
      this.records.decide(entry, 'allow-once', { label: 'Loopgate grant', kind: 'runtime', id: `grant:${grant.grantId}` }, { grantId: grant.grantId });
      return { entry, route: true };
    }
    const route = p.requireDeliveryRoute === false || this.hasRoute(entry);
    if (!route) {
      this.records.terminate(entry, 'no-route');
      return { entry, route: false };
    }
    if (p.suppressDelivery !== true) this.deliverRequested(entry);
    return { entry, route: true };
  }

  private matchingGrant(entry: ApprovalEntry): ApprovalGrant | undefined {
    const b = entry.request.systemRunBinding;
    if (!b || !entry.request.nodeId || b.envHash) return undefined;
    if (!this.loopgateDecisions(entry).includes(ALLOW_FOR_30_MINUTES)) return undefined;
    return this.grants.match({ nodeId: entry.request.nodeId, argv: b.argv, cwd: b.cwd, agentId: b.agentId });
  }

  hasRoute(entry: ApprovalEntry): boolean {
    if (this.host.localRoute()) return true;
    for (const c of this.host.connections()) if (isRouteFor(c, entry)) return true;
    return false;
  }

  private deliverRequested(entry: ApprovalEntry): void {
    const wire: ExecApprovalRequestedEvent = { approvalKind: 'exec', id: entry.id, request: entry.request, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs };
    const view = this.view(entry);
    for (const c of this.host.connections()) {
      if (isRouteFor(c, entry)) c.event('exec.approval.requested', wire);
      if (this.hearsLoopgate(c)) c.event(LOOPGATE_APPROVAL_EVENTS.requested, view);
    }
    this.emit('approvalRequested', view);
    this.emit('approvals', this.views());
  }

  /** Loopgate's own events go to admin sessions that are not paired devices (the window, a token CLI). */
  private hearsLoopgate(c: RoutedConnection): boolean {
    const id = c.identity;
    return !!id && id.role === 'operator' && !id.deviceId && id.scopes.includes('operator.admin');
  }

  private onResolved(entry: ApprovalEntry): void {
    const grantAnswered = entry.grantId !== undefined && entry.loopgateDecision === 'allow-once' && entry.resolver?.id.startsWith('grant:');
    // A timeout (and any other end without a decision) is broadcast as deny with resolvedBy null.
    const wire: ExecApprovalResolvedEvent = { id: entry.id, decision: entry.decision ?? 'deny', resolvedBy: entry.resolvedBy, ts: entry.resolvedAtMs!, request: entry.request };
    const ev: LoopgateApprovalResolvedEvent = {
      id: entry.id, status: entry.status, decision: entry.loopgateDecision, terminalReason: entry.terminalReason!, resolvedBy: entry.resolvedBy, ts: entry.resolvedAtMs!,
      ...(entry.grant ? { grant: entry.grant } : {}),
    };
    if (!grantAnswered && entry.terminalReason !== 'no-route') {
      for (const c of this.host.connections()) {
        if (isApprovalClient(c.identity) && canSee(c, entry)) c.event('exec.approval.resolved', wire);
        if (this.hearsLoopgate(c)) c.event(LOOPGATE_APPROVAL_EVENTS.resolved, ev);
      }
    }
    const how = entry.terminalReason === 'user'
      ? (grantAnswered ? `exec approval answered by a 30-minute grant` : `exec approval: ${entry.loopgateDecision}`)
      : entry.terminalReason === 'timeout' ? 'exec approval timed out (denied)'
        : entry.terminalReason === 'no-route' ? 'exec approval had no route (no Loopgate window or approval client): denied'
          : `exec approval ended: ${entry.terminalReason}`;
    const decision: AuditEntry['decision'] = entry.status === 'allowed' ? 'approved' : entry.status === 'denied' ? 'rejected' : 'expired';
    this.audit(entry, decision, how, entry.resolvedBy ?? 'Loopgate');
    this.emit('approvalResolved', ev);
    if (!grantAnswered && entry.terminalReason !== 'no-route') this.emit('approvals', this.views());
  }

  private audit(entry: ApprovalEntry, decision: AuditEntry['decision'], reason: string, by: string): void {
    const r = entry.request;
    this.host.audit({
      deviceId: r.nodeId ?? entry.requester.deviceId ?? '', reason, decision, by, silent: false, kind: 'exec-approval',
      exec: {
        approvalId: entry.id, command: r.command, cwd: r.cwd, nodeId: r.nodeId, agentId: r.agentId, sessionKey: r.sessionKey,
        requester: entry.requester.label,
        ...(entry.status !== 'pending' ? { decision: entry.loopgateDecision, terminalReason: entry.terminalReason } : {}),
        ...(entry.grantId ? { grantId: entry.grantId } : {}),
      },
    });
  }

  private grantsChanged(): void {
    const grants = this.grants.list();
    for (const c of this.host.connections()) if (this.hearsLoopgate(c)) c.event(LOOPGATE_APPROVAL_EVENTS.grants, { grants });
    this.emit('grants', grants);
  }

  // ---- deciding ---------------------------------------------------------------------------------

  /** The decisions Loopgate offers for a record: the wire's, plus a 30-minute grant for a node command. */
  loopgateDecisions(entry: ApprovalEntry): LoopgateDecision[] {
    const wire = entry.request.allowedDecisions;
    const grantable = entry.request.host === 'node' && !!entry.request.nodeId && !!entry.request.systemRunBinding && entry.request.ask !== 'always'
      && !entry.request.systemRunBinding.envHash && wire.includes('allow-always');
    return grantable ? [...wire.slice(0, 1), ALLOW_FOR_30_MINUTES, ...wire.slice(1)] : [...wire];
  }

  /**
   * Decide a pending record. Returns false (and changes nothing) when it was already decided; throws the
   * reference's error for a decision the record does not allow.
   */
  decide(entry: ApprovalEntry, decision: LoopgateDecision, resolver: Resolver): { applied: boolean; grant?: ApprovalGrant } {
    if (!this.loopgateDecisions(entry).includes(decision)) {
      if (decision === 'allow-always') throw invalidRequest('allow-always is unavailable for this command', { reason: 'APPROVAL_ALLOW_ALWAYS_UNAVAILABLE' });
      throw invalidRequest(`${decision} is unavailable for this command`, { reason: 'APPROVAL_DECISION_UNAVAILABLE' });
    }
    if (entry.status !== 'pending') return { applied: false };
    let grant: ApprovalGrant | undefined;
    if (decision === ALLOW_FOR_30_MINUTES) {
      const b = entry.request.systemRunBinding!;
      const nodeName = this.host.nodeName(entry.request.nodeId!);
      grant = this.grants.add({ nodeId: entry.request.nodeId!, argv: b.argv, cwd: b.cwd, agentId: b.agentId }, {
        approvalId: entry.id, commandText: entry.request.command, grantedBy: resolver.label, ...(nodeName ? { nodeName } : {}),
      });
    }
    const applied = this.records.decide(entry, decision, resolver, grant ? { grant, grantId: grant.grantId } : {});
    return { applied, ...(grant ? { grant } : {}) };
  }

  /** exec.approval.resolve: id or unique prefix; a repeat of the same decision is ok, a different one is refused. */
  resolveWire(input: string, decision: unknown, resolver: Resolver, viewer: RoutedConnection): { ok: true } {
    if (!isWireDecision(decision)) throw invalidRequest('invalid decision');
    const visible = (e: ApprovalEntry) => canSee(viewer, e);
    const entry = this.records.lookup(input, { visible });
    if (!entry) {
      const done = this.records.lookup(input, { includeResolved: true, visible });
      if (!done) throw notFound();
      if (done.decision === decision || (done.decision === null && decision === 'deny')) return { ok: true };
      throw invalidRequest('approval already resolved', { reason: 'APPROVAL_ALREADY_RESOLVED' });
    }
    this.decide(entry, decision, resolver);
    return { ok: true };
  }

  /** Loopgate's resolve (window, tray, CLI): the four decisions, exact id or unique prefix. */
  resolveLoopgate(input: string, decision: unknown, resolver: Resolver, viewer?: RoutedConnection): LoopgateResolveResult {
    if (!(LOOPGATE_DECISIONS as readonly unknown[]).includes(decision)) {
      throw invalidRequest(`invalid decision (expected one of: ${LOOPGATE_DECISIONS.join(', ')})`);
    }
    const visible = viewer ? (e: ApprovalEntry) => canSee(viewer, e) : undefined;
    const entry = this.records.lookup(input, visible ? { visible } : {});
    if (!entry) {
      const done = this.records.lookup(input, { includeResolved: true, ...(visible ? { visible } : {}) });
      if (!done) throw notFound();
      throw invalidRequest(`approval already resolved (${done.loopgateDecision ?? done.terminalReason})`, { reason: 'APPROVAL_ALREADY_RESOLVED' });
    }
    const r = this.decide(entry, decision as LoopgateDecision, resolver);
    return { ok: true, approval: this.view(entry), ...(r.grant ? { grant: r.grant } : {}) };
  }

  /** approval.resolve: exact id, kind must match; a settled record answers applied:false with its state. */
  resolveDurable(p: { id: string; kind: string; decision: unknown }, resolver: Resolver, viewer: RoutedConnection): { applied: boolean; approval: ApprovalRecordView } {
    const entry = p.id.startsWith('plugin:') ? undefined : this.records.get(p.id);
    if (!entry || !canSee(viewer, entry)) throw approvalNotFound();
    if (entry.status !== 'pending') return { applied: false, approval: this.durableView(entry) };
    if (p.kind !== 'exec') throw approvalNotFound();
    if (!isWireDecision(p.decision)) throw invalidRequest('invalid decision');
    const r = this.decide(entry, p.decision, resolver);
    return { applied: r.applied, approval: this.durableView(entry) };
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** waitDecision: blocks until decided or expired; unknown (or past its grace) is the reference's error. */
  async waitDecision(input: string, viewer: RoutedConnection): Promise<ExecApprovalWaitResult> {
    const entry = this.records.lookup(input, { includeResolved: true, visible: (e) => canSee(viewer, e) });
    if (!entry) throw invalidRequest('approval expired or not found');
    await this.records.wait(entry);
    return { ...this.final(entry), terminalReason: entry.terminalReason! };
  }

  final(entry: ApprovalEntry): ExecApprovalFinal {
    return { id: entry.id, decision: entry.decision, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs };
  }

  accepted(entry: ApprovalEntry): ExecApprovalAccepted {
    return { status: 'accepted', id: entry.id, deliveryRoute: 'approval-client', createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs };
  }

  getPending(input: string, viewer: RoutedConnection): ExecApprovalGetResult {
    const entry = this.records.lookup(input, { visible: (e) => canSee(viewer, e) });
    if (!entry) throw notFound();
    const r = entry.request;
    return {
      id: entry.id, commandText: r.command, commandPreview: r.commandPreview ?? null, allowedDecisions: r.allowedDecisions,
      host: r.host, nodeId: r.nodeId, agentId: r.agentId, expiresAtMs: entry.expiresAtMs,
    };
  }

  listWire(viewer: RoutedConnection): ExecApprovalListEntry[] {
    return this.records.pendingList().filter((e) => canSee(viewer, e))
      .map((e) => ({ id: e.id, request: e.request, createdAtMs: e.createdAtMs, expiresAtMs: e.expiresAtMs, approvalKind: 'exec' as const }));
  }

  getDurable(id: string, viewer: RoutedConnection): { approval: ApprovalRecordView } {
    const entry = id.startsWith('plugin:') ? undefined : this.records.get(id);
    if (!entry || !canSee(viewer, entry)) throw approvalNotFound();
    return { approval: this.durableView(entry) };
  }

  durableView(e: ApprovalEntry): ApprovalRecordView {
    const r = e.request;
    return {
      id: e.id, status: e.status,
      presentation: {
        kind: 'exec', commandText: r.command, commandPreview: r.commandPreview ?? null, warningText: r.warningText,
        host: r.host, nodeId: r.nodeId, agentId: r.agentId, allowedDecisions: r.allowedDecisions,
      },
      urlPath: `/approve/${encodeURIComponent(e.id)}`, createdAtMs: e.createdAtMs, expiresAtMs: e.expiresAtMs,
      ...(e.resolvedAtMs !== undefined ? { resolvedAtMs: e.resolvedAtMs } : {}),
      ...(e.terminalReason && e.status !== 'pending' ? { reason: e.terminalReason } : {}),
      ...(e.decision ? { decision: e.decision } : {}),
      source: { agentId: r.agentId, sessionKey: r.sessionKey },
      resolver: e.resolver,
    };
  }

  view(e: ApprovalEntry): LoopgateApprovalView {
    const r = e.request;
    const nodeName = r.nodeId ? this.host.nodeName(r.nodeId) : undefined;
    return {
      id: e.id, status: e.status, via: e.via, commandText: r.command,
      commandPreview: r.commandPreview ?? r.systemRunPlan?.commandPreview ?? null,
      ...(r.commandSpans ? { commandSpans: r.commandSpans } : {}),
      warningText: r.warningText, warningLines: e.warningLines, risks: e.risks,
      argv: r.systemRunBinding?.argv ?? r.commandArgv ?? null, cwd: r.cwd, host: r.host, nodeId: r.nodeId,
      ...(nodeName ? { nodeName } : {}),
      agentId: r.agentId, sessionKey: r.sessionKey,
      requester: { kind: e.requester.kind, label: e.requester.label, clientId: e.requester.clientId, clientMode: e.requester.clientMode,
        ...(e.requester.displayName ? { displayName: e.requester.displayName } : {}), ...(e.requester.deviceId ? { deviceId: e.requester.deviceId } : {}) },
      allowedDecisions: this.loopgateDecisions(e), createdAtMs: e.createdAtMs, expiresAtMs: e.expiresAtMs,
      ...(e.resolvedAtMs !== undefined ? { resolvedAtMs: e.resolvedAtMs, decision: e.loopgateDecision, resolvedBy: e.resolvedBy } : {}),
      ...(e.terminalReason ? { terminalReason: e.terminalReason } : {}),
      ...(e.grantId ? { grantId: e.grantId } : {}),
    };
  }

  /** Pending, newest first. */
  views(): LoopgateApprovalView[] {
    return this.records.pendingList().map((e) => this.view(e));
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** A requester that leaves before its node.invoke could run: its prompts are withdrawn. */
  dropConnection(connId: string): void {
    for (const e of this.records.byRequesterConn(connId)) if (e.via === 'node.invoke') this.records.terminate(e, 'run-aborted');
  }

  close(): void {
    this.records.close();
  }
}

export function approvalNotFound(): Error {
  return invalidRequest('approval not found', { reason: 'APPROVAL_NOT_FOUND' });
}
