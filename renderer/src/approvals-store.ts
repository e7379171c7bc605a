// What the Approvals view shows, kept current from gateway events: pending exec approvals (Loopgate's view of
// them: loopgate.approvals.list, then loopgate.approval.requested / resolved), the active 30-minute grants, and
// nodes whose declared commands wait for the user (node.pair.*). Events are applied once per animation frame,
// so a burst of a thousand requests costs one render. Free of React, like the dashboard store.
import {
  LOOPGATE_APPROVAL_EVENTS as EVENTS, LOOPGATE_APPROVAL_METHODS as METHODS,
  type ApprovalGrant, type LoopgateApprovalResolvedEvent, type LoopgateApprovalView, type LoopgateDecision,
  type LoopgateResolveResult, type NodePairList, type NodePairPendingView,
} from '../../shared/exec-approval-types';
import type { GatewayClient } from './gateway-client';
import { FrameBatch } from './frame-batch';

export interface ApprovalsState {
  /** Waiting exec approvals, the one closest to its timeout first. */
  pending: LoopgateApprovalView[];
  loaded: boolean;
  grants: ApprovalGrant[];
  nodeRequests: NodePairPendingView[];
  /** Ids resolved in this session, so a late list answer cannot bring one back. */
  resolvedIds: ReadonlySet<string>;
  loadError: string | null;
}

type Queued = { kind: 'requested'; a: LoopgateApprovalView } | { kind: 'resolved'; id: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isApproval(v: unknown): v is LoopgateApprovalView {
  return isObject(v) && typeof v.id === 'string' && typeof v.commandText === 'string' && typeof v.expiresAtMs === 'number';
}

function isGrant(v: unknown): v is ApprovalGrant {
  return isObject(v) && typeof v.grantId === 'string' && typeof v.expiresAtMs === 'number';
}

export class ApprovalsStore {
  private state: ApprovalsState = { pending: [], loaded: false, grants: [], nodeRequests: [], resolvedIds: new Set(), loadError: null };
  private readonly listeners = new Set<() => void>();
  private readonly batch = new FrameBatch<Queued>((queue) => this.apply(queue));

  constructor(readonly client: GatewayClient, ready: Promise<unknown> = Promise.resolve()) {
    client.onHello(() => { void ready.then(() => this.reload(), () => this.reload()); });
    client.on(EVENTS.requested, (p) => { if (isApproval(p)) this.batch.push({ kind: 'requested', a: p }); });
    client.on(EVENTS.resolved, (p) => {
      if (!isObject(p) || typeof p.id !== 'string') return;
      this.batch.push({ kind: 'resolved', id: p.id });
      const grant = (p as Partial<LoopgateApprovalResolvedEvent>).grant;
      if (isGrant(grant)) this.upsertGrant(grant);
    });
    client.on(EVENTS.grants, (p) => {
      if (isObject(p) && Array.isArray(p.grants)) this.set({ grants: sortGrants(p.grants.filter(isGrant)) });
    });
    const nodesChanged = () => { void this.loadNodeRequests(); };
    client.on('node.pair.requested', nodesChanged);
    client.on('node.pair.resolved', nodesChanged);
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): ApprovalsState => this.state;

  private set(patch: Partial<ApprovalsState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  /** Apply every queued event in one state change. */
  flush(): void {
    this.batch.flush();
  }

  private apply(queue: Queued[]): void {
    const byId = new Map(this.state.pending.map((a) => [a.id, a]));
    let resolvedIds = this.state.resolvedIds;
    let copied = false;
    for (const item of queue) {
      if (item.kind === 'requested') {
        if (!resolvedIds.has(item.a.id)) byId.set(item.a.id, item.a);
      } else {
        if (!copied) { resolvedIds = new Set(resolvedIds); copied = true; }
        (resolvedIds as Set<string>).add(item.id);
        byId.delete(item.id);
      }
    }
    this.set({ pending: sortPending([...byId.values()]), ...(copied ? { resolvedIds } : {}) });
  }

  async reload(): Promise<void> {
    await Promise.allSettled([this.loadPending(), this.loadGrants(), this.loadNodeRequests()]);
  }

  async loadPending(): Promise<void> {
    try {
      const res = await this.client.request<{ approvals?: unknown[] }>(METHODS.list, {});
      this.flush(); // events that arrived before the answer are older than it
      const resolved = this.state.resolvedIds;
      const rows = Array.isArray(res?.approvals) ? res.approvals : [];
      const pending = rows.filter(isApproval).filter((a) => !resolved.has(a.id) && (a.status ?? 'pending') === 'pending');
      this.set({ pending: sortPending(pending), loaded: true, loadError: null });
    } catch (err) {
      this.set({ loaded: true, loadError: (err as Error).message });
    }
  }

  async loadGrants(): Promise<void> {
    try {
      const res = await this.client.request<{ grants?: unknown[] }>(METHODS.grants, {});
      this.set({ grants: sortGrants((Array.isArray(res?.grants) ? res.grants : []).filter(isGrant)) });
    } catch {
      // Nothing to show; the pending list says when the gateway cannot be reached.
    }
  }

  async loadNodeRequests(): Promise<void> {
    try {
      const res = await this.client.request<Partial<NodePairList>>('node.pair.list', {});
      const rows = Array.isArray(res?.pending) ? res.pending : [];
      this.set({ nodeRequests: rows.filter((r) => isObject(r) && typeof r.requestId === 'string').sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0)) });
    } catch {
      // A gateway without node command approval: nothing to show.
    }
  }

  /** Answer one request as the owner; Allow for 30 minutes also mints a grant the gateway holds. */
  async resolve(id: string, decision: LoopgateDecision): Promise<LoopgateResolveResult> {
    const res = await this.client.request<LoopgateResolveResult>(METHODS.resolve, { id, decision });
    this.drop(id);
    if (res?.grant && isGrant(res.grant)) this.upsertGrant(res.grant);
    return res;
  }

  /** Forget a request locally (decided here, or the gateway no longer knows it). */
  drop(id: string): void {
    this.batch.push({ kind: 'resolved', id });
    this.flush();
  }

  async revokeGrant(grantId: string): Promise<void> {
    await this.client.request(METHODS.revokeGrant, { grantId });
    this.set({ grants: this.state.grants.filter((g) => g.grantId !== grantId) });
  }

  async decideNode(requestId: string, approve: boolean): Promise<void> {
    await this.client.request(approve ? 'node.pair.approve' : 'node.pair.reject', { requestId });
    this.set({ nodeRequests: this.state.nodeRequests.filter((r) => r.requestId !== requestId) });
    void this.loadNodeRequests();
  }

  private upsertGrant(grant: ApprovalGrant): void {
    this.set({ grants: sortGrants([...this.state.grants.filter((g) => g.grantId !== grant.grantId), grant]) });
  }
}

/** The one closest to its timeout first. */
function sortPending(list: LoopgateApprovalView[]): LoopgateApprovalView[] {
  return list.sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1));
}

function sortGrants(list: ApprovalGrant[]): ApprovalGrant[] {
  return list.sort((a, b) => a.expiresAtMs - b.expiresAtMs);
}
