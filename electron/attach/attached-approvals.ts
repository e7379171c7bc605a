// Exec approvals and node command requests while attached: the OpenClaw gateway holds them, Loopgate mirrors
// them. Loopgate's connection there is an approval client (operator.admin and the exec-approvals cap), so that
// gateway announces each request to it (exec.approval.requested / resolved) and counts it as a route; the mirror
// is rebuilt from exec.approval.list and node.pair.list on every (re)connect, so nothing that came or went while
// away is missed. Decisions from the window, tray or a notification go back as exec.approval.resolve and
// node.pair.approve / reject; that gateway's answer, not Loopgate's, is what counts.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { invalidRequest } from '../../shared/errors';
import {
  ALLOW_FOR_30_MINUTES, LOOPGATE_APPROVAL_EVENTS, LOOPGATE_APPROVAL_METHODS, LOOPGATE_DECISIONS,
  type ApprovalGrant, type LoopgateApprovalResolvedEvent, type LoopgateApprovalView, type LoopgateDecision, type LoopgateResolveResult,
  type NodePairList, type NodePairPendingView, type NodePairResolvedEvent,
} from '../../shared/exec-approval-types';
import type { AuditEntry } from '../../shared/pairing-types';
import type { ApprovalEvents, ApprovalsHandle } from '../approvals/approvals-handle';
import { method, type MethodDef } from '../gateway/router';
import { safeListener } from '../gateway/safe-listener';
import type { UpstreamClient } from './upstream-client';
import { coalesced } from './coalesced';
import { approvalResolvedEvent, approvalView, nodePendingView, upstreamRequester } from './upstream-views';

export interface AttachedApprovalsHost {
  upstream: UpstreamClient;
  /** Forward a call to that gateway; its errors come back prefixed with who said them. */
  forward<T>(method: string, params: unknown): Promise<T>;
  /** To the window's sessions. */
  broadcast(event: string, payload: unknown): void;
  audit(entry: AuditEntry): void;
  log(line: string): void;
}

type Raw = Record<string, unknown>;

const id = z.string().min(1).max(512);
const Empty = z.object({}).passthrough().optional();
/** Said when the tray or window offers what only Loopgate's own gateway can keep. */
const NO_GRANTS = 'Allow for 30 minutes is a grant Loopgate\'s own gateway keeps; the OpenClaw gateway Loopgate is attached to cannot hold it. Choose Allow once or Always allow';
/** Safety net for a resolved event that never came (the connection dropped at that moment): drop what expired. */
const SWEEP_MS = 30_000;
const SETTLED_KEEP = 1024;

export class AttachedApprovals implements ApprovalsHandle {
  private readonly emitter = new EventEmitter();
  private byId = new Map<string, LoopgateApprovalView>();
  private nodeById = new Map<string, NodePairPendingView>();
  /** The node names that gateway knows (node.pair.list paired), so a prompt can say which machine. */
  private nodeNames = new Map<string, string>();
  private readonly sweep: NodeJS.Timeout;
  private closed = false;
  /** Counts events, so a list read before an event cannot undo it (a request announced, or one settled, meanwhile). */
  private seq = 0;
  private readonly announcedAt = new Map<string, number>();
  private readonly settledAt = new Map<string, number>();

  constructor(private readonly host: AttachedApprovalsHost) {
    host.upstream.on('hello', () => void this.refresh());
    host.upstream.on('event', (event, payload) => this.onUpstreamEvent(event, (payload ?? {}) as Raw));
    this.sweep = setInterval(() => this.dropExpired(), SWEEP_MS);
    this.sweep.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweep);
  }

  private onUpstreamEvent(event: string, p: Raw): void {
    if (event === 'exec.approval.requested') {
      const view = approvalView(p, this.requester(), (n) => this.nodeNames.get(n));
      if (view && !this.byId.has(view.id)) this.announce(view);
    } else if (event === 'exec.approval.resolved') {
      const known = typeof p.id === 'string' ? this.byId.get(p.id) : undefined;
      const ev = approvalResolvedEvent(p, known);
      if (ev) this.settle(ev);
    } else if (event === 'node.pair.resolved') {
      const req = typeof p.requestId === 'string' ? this.nodeById.get(p.requestId) : undefined;
      if (req) this.nodeSettled({ requestId: req.requestId, nodeId: req.nodeId, decision: p.decision === 'approved' ? 'approved' : 'rejected', ts: Date.now() }, 'the OpenClaw gateway');
    } else if (event === 'node.pair.requested') {
      // The pending shape needs what the node had approved before: read the list.
      void this.refresh();
    }
  }

  private requester() {
    return upstreamRequester(this.host.upstream.getState().url);
  }

  /** Read both lists from that gateway: what appeared while away is announced, what left is withdrawn. */
  readonly refresh = coalesced(async () => {
    await Promise.all([this.refreshNodes(), this.refreshApprovals()]);
  }, () => this.closed);

  private async refreshApprovals(): Promise<void> {
    const mark = this.seq;
    let rows: unknown;
    try {
      rows = await this.host.upstream.request<unknown>('exec.approval.list', {});
    } catch (e) {
      this.host.log(`could not read the exec approvals of the OpenClaw gateway: ${(e as Error).message}`);
      return;
    }
    const listed = new Map<string, LoopgateApprovalView>();
    for (const raw of Array.isArray(rows) ? rows : []) {
      const view = approvalView(raw as Raw, this.requester(), (n) => this.nodeNames.get(n));
      if (view) listed.set(view.id, view);
    }
    for (const [key, view] of listed) if (!this.byId.has(key) && !((this.settledAt.get(key) ?? -1) > mark)) this.announce(view);
    for (const key of [...this.byId.keys()]) {
      if (!listed.has(key) && (this.announcedAt.get(key) ?? 0) <= mark) this.settle({ id: key, status: 'cancelled', decision: null, terminalReason: 'gateway-restart', resolvedBy: null, ts: Date.now() });
    }
  }

  private async refreshNodes(): Promise<void> {
    let list: { pending?: unknown[]; paired?: unknown[] };
    try {
      list = await this.host.upstream.request('node.pair.list', {});
    } catch (e) {
      this.host.log(`could not read the node requests of the OpenClaw gateway: ${(e as Error).message}`);
      return;
    }
    const paired = new Map<string, Raw>();
    for (const raw of Array.isArray(list?.paired) ? list.paired : []) {
      const r = raw as Raw;
      if (typeof r?.nodeId !== 'string') continue;
      paired.set(r.nodeId, r);
      if (typeof r.displayName === 'string' && r.displayName) this.nodeNames.set(r.nodeId, r.displayName.slice(0, 64));
    }
    const pending = new Map<string, NodePairPendingView>();
    for (const raw of Array.isArray(list?.pending) ? list.pending : []) {
      const req = nodePendingView(raw as Raw, paired);
      if (req) pending.set(req.requestId, req);
    }
    const before = this.nodeById;
    this.nodeById = pending;
    for (const [key, req] of pending) {
      if (before.has(key)) continue;
      this.host.broadcast('node.pair.requested', req);
      this.host.audit({
        ts: Date.now(), deviceId: req.nodeId, kind: 'node-commands', decision: 'requested', silent: false, by: `node ${req.displayName ? `${req.displayName} (reported)` : req.nodeId.slice(0, 12)}`,
        reason: req.isWidening ? 'node declared more commands than approved (on the OpenClaw gateway)' : 'new node command surface (on the OpenClaw gateway)',
        commands: req.commands, caps: req.caps, locality: req.locality,
      });
      this.emitter.emit('nodeCommandsRequested', req);
    }
    for (const [key, req] of before) {
      if (pending.has(key)) continue;
      const approved = paired.has(req.nodeId) && req.commands.every((c) => (paired.get(req.nodeId)!.commands as unknown[] | undefined)?.includes(c));
      this.nodeSettled({ requestId: key, nodeId: req.nodeId, decision: approved ? 'approved' : 'rejected', ts: Date.now() }, 'the OpenClaw gateway');
    }
  }

  private announce(view: LoopgateApprovalView): void {
    this.byId.set(view.id, view);
    this.announcedAt.set(view.id, ++this.seq);
    this.host.audit({
      ts: Date.now(), deviceId: view.nodeId ?? '', kind: 'exec-approval', decision: 'requested', silent: false, by: view.requester.label,
      reason: 'exec approval requested on the OpenClaw gateway',
      exec: { approvalId: view.id, command: view.commandText, cwd: view.cwd, nodeId: view.nodeId, agentId: view.agentId, sessionKey: view.sessionKey, requester: view.requester.label },
    });
    this.host.broadcast(LOOPGATE_APPROVAL_EVENTS.requested, view);
    this.emitter.emit('approvalRequested', view);
    this.emitter.emit('approvals', this.approvals());
  }

  /** A request left the queue; the first word about it wins (our own answer and that gateway's event both arrive). */
  private settle(ev: LoopgateApprovalResolvedEvent): LoopgateApprovalView | undefined {
    const view = this.byId.get(ev.id);
    if (!view) return undefined;
    this.byId.delete(ev.id);
    this.announcedAt.delete(ev.id);
    this.settledAt.set(ev.id, ++this.seq);
    // Only a list read in flight needs these; keep the newest few.
    if (this.settledAt.size > SETTLED_KEEP) this.settledAt.delete(this.settledAt.keys().next().value!);
    const how = ev.terminalReason === 'timeout' ? 'exec approval timed out on the OpenClaw gateway (denied)'
      : ev.terminalReason === 'gateway-restart' ? 'exec approval no longer waits on the OpenClaw gateway'
        : `exec approval: ${ev.decision ?? 'ended'}`;
    this.host.audit({
      ts: ev.ts, deviceId: view.nodeId ?? '', kind: 'exec-approval', decision: ev.status === 'allowed' ? 'approved' : ev.status === 'denied' ? 'rejected' : 'expired',
      silent: false, by: ev.resolvedBy ?? 'the OpenClaw gateway', reason: how,
      exec: {
        approvalId: view.id, command: view.commandText, cwd: view.cwd, nodeId: view.nodeId, agentId: view.agentId, sessionKey: view.sessionKey,
        requester: view.requester.label, decision: ev.decision, terminalReason: ev.terminalReason,
      },
    });
    this.host.broadcast(LOOPGATE_APPROVAL_EVENTS.resolved, ev);
    this.emitter.emit('approvalResolved', ev);
    this.emitter.emit('approvals', this.approvals());
    return view;
  }

  private dropExpired(now = Date.now()): void {
    for (const view of [...this.byId.values()]) {
      if (view.expiresAtMs <= now) this.settle({ id: view.id, status: 'expired', decision: null, terminalReason: 'timeout', resolvedBy: null, ts: now });
    }
  }

  private nodeSettled(ev: NodePairResolvedEvent, by: string): void {
    const req = this.nodeById.get(ev.requestId);
    this.nodeById.delete(ev.requestId);
    this.host.broadcast('node.pair.resolved', ev);
    this.host.audit({
      ts: ev.ts, deviceId: ev.nodeId, kind: 'node-commands', decision: ev.decision, silent: false, by,
      reason: ev.decision === 'approved' ? 'node commands approved (on the OpenClaw gateway)' : 'node commands denied (on the OpenClaw gateway)',
      ...(req ? { commands: req.commands, caps: req.caps } : {}),
    });
    this.emitter.emit('nodeCommandsResolved', ev);
  }

  // ---- the window's methods ---------------------------------------------------------------------

  methods(): Record<string, MethodDef> {
    return {
      [LOOPGATE_APPROVAL_METHODS.list]: method(Empty, () => ({ approvals: this.approvals() })),
      [LOOPGATE_APPROVAL_METHODS.resolve]: method(z.object({ id, decision: z.unknown() }), (p) => this.decide(p.id, p.decision, 'Loopgate window')),
      [LOOPGATE_APPROVAL_METHODS.grants]: method(Empty, () => ({ grants: [] })),
      [LOOPGATE_APPROVAL_METHODS.revokeGrant]: method(z.object({ grantId: id }), () => { throw invalidRequest(NO_GRANTS); }),
      'node.pair.list': method(Empty, async (): Promise<NodePairList> => {
        if (this.host.upstream.connected) await this.refresh();
        return { pending: this.nodeCommandRequests(), paired: [] };
      }),
      'node.pair.approve': method(z.object({ requestId: id }), async (p) => this.decideNode(p.requestId, true, 'owner (Loopgate window)')),
      'node.pair.reject': method(z.object({ requestId: id }), async (p) => this.decideNode(p.requestId, false, 'owner (Loopgate window)')),
    };
  }

  private async decide(approvalId: string, decision: unknown, by: string): Promise<LoopgateResolveResult> {
    if (!(LOOPGATE_DECISIONS as readonly unknown[]).includes(decision)) throw invalidRequest('invalid decision', { allowed: LOOPGATE_DECISIONS });
    if (decision === ALLOW_FOR_30_MINUTES) throw invalidRequest(NO_GRANTS);
    const view = this.byId.get(approvalId);
    if (view && !view.allowedDecisions.includes(decision as LoopgateDecision)) {
      throw invalidRequest(`${String(decision)} is not offered for this command by the OpenClaw gateway`, { allowed: view.allowedDecisions });
    }
    await this.host.forward('exec.approval.resolve', { id: approvalId, decision });
    const ts = Date.now();
    const ev: LoopgateApprovalResolvedEvent = { id: approvalId, status: decision === 'deny' ? 'denied' : 'allowed', decision: decision as LoopgateDecision, terminalReason: 'user', resolvedBy: by, ts };
    const settled = this.settle(ev) ?? view;
    const base = settled ?? { id: approvalId } as LoopgateApprovalView;
    return { ok: true, approval: { ...base, status: ev.status, decision: ev.decision, resolvedAtMs: ts, resolvedBy: by, terminalReason: 'user' } };
  }

  private async decideNode(requestId: string, approve: boolean, by: string): Promise<unknown> {
    const res = await this.host.forward<unknown>(approve ? 'node.pair.approve' : 'node.pair.reject', { requestId });
    const req = this.nodeById.get(requestId);
    if (req) this.nodeSettled({ requestId, nodeId: req.nodeId, decision: approve ? 'approved' : 'rejected', ts: Date.now() }, by);
    return res;
  }

  // ---- ApprovalsHandle (tray, notifications) -----------------------------------------------------

  /** Pending, newest first. */
  approvals(): LoopgateApprovalView[] {
    return [...this.byId.values()].sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  resolveApproval(approvalId: string, decision: LoopgateDecision): Promise<LoopgateResolveResult> {
    return this.decide(approvalId, decision, 'Loopgate tray');
  }

  grants(): ApprovalGrant[] {
    return [];
  }

  revokeGrant(): ApprovalGrant {
    throw invalidRequest(NO_GRANTS);
  }

  /** The route is Loopgate's connection to that gateway (an approval client there), not the tray. */
  setApprovalRoute(): void {}

  nodeCommandRequests(): NodePairPendingView[] {
    return [...this.nodeById.values()].sort((a, b) => a.ts - b.ts);
  }

  async approveNodeCommands(requestId: string): Promise<void> {
    await this.decideNode(requestId, true, 'owner (Loopgate tray)');
  }

  async rejectNodeCommands(requestId: string): Promise<void> {
    await this.decideNode(requestId, false, 'owner (Loopgate tray)');
  }

  on<K extends keyof ApprovalEvents>(event: K, listener: ApprovalEvents[K]): () => void {
    return safeListener(this.emitter, event, listener, (line) => this.host.log(line));
  }
}
