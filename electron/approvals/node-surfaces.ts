// A node's command surface (the commands and caps it declares) waits for the user, even when the device itself
// was paired silently: node.invoke relays only approved commands. Approved surfaces are durable
// (<home>/node-surfaces.json); a node that declares more than was approved asks again for the difference.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { invalidRequest } from '../../shared/errors';
import type { NodeApprovalState, NodePairList, NodePairPendingView, NodePairResolvedEvent, NodePairedView } from '../../shared/exec-approval-types';
import { SCOPE } from '../../shared/scopes';
import { readJsonDocument, writeJsonDocument } from '../pairing/json-file-store';

const SurfaceSchema = z.strictObject({
  nodeId: z.string().min(1),
  clientId: z.string().optional(),
  clientMode: z.string().optional(),
  displayName: z.string().optional(),
  platform: z.string().optional(),
  version: z.string().optional(),
  deviceFamily: z.string().optional(),
  caps: z.array(z.string()),
  commands: z.array(z.string()),
  remoteIp: z.string().optional(),
  createdAtMs: z.number().int(),
  approvedAtMs: z.number().int(),
  lastConnectedAtMs: z.number().int().optional(),
});
const FileSchema = z.strictObject({ version: z.literal(1), nodes: z.record(z.string(), SurfaceSchema) });

/** Commands that run programs or change exec policy: approving them needs operator.admin (as OpenClaw). */
const ADMIN_COMMANDS = new Set(['system.run', 'system.run.prepare', 'system.execApprovals.get', 'system.execApprovals.set', 'browser.proxy']);
const MAX_PENDING = 256;

export function requiredApproveScopes(commands: readonly string[]): string[] {
  if (commands.some((c) => ADMIN_COMMANDS.has(c))) return [SCOPE.pairing, SCOPE.admin];
  return commands.length ? [SCOPE.pairing, SCOPE.write] : [SCOPE.pairing];
}

export interface DeclaredSurface {
  nodeId: string;
  clientId: string;
  clientMode: string;
  displayName?: string;
  platform: string;
  version: string;
  deviceFamily?: string;
  caps: string[];
  commands: string[];
  remoteIp?: string;
  locality: 'local' | 'browser' | 'remote';
}

export interface NodeSurfaceEvents {
  requested: [NodePairPendingView];
  resolved: [NodePairResolvedEvent, { commands: string[]; caps: string[]; by: string }];
}

const uniq = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))].sort();

export class NodeSurfaces extends EventEmitter<NodeSurfaceEvents> {
  private readonly pending = new Map<string, NodePairPendingView>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string, private approved: Map<string, z.infer<typeof SurfaceSchema>>, readonly problem?: string) {
    super();
  }

  static async open(home: string): Promise<NodeSurfaces> {
    const path = join(home, 'node-surfaces.json');
    const doc = await readJsonDocument(path, FileSchema);
    // Unreadable: fail closed (nothing approved; every node asks again), and say so.
    if (doc.ok) return new NodeSurfaces(path, new Map(Object.entries(doc.value?.nodes ?? {})));
    return new NodeSurfaces(path, new Map(), doc.error);
  }

  private persist(next: Map<string, z.infer<typeof SurfaceSchema>>): Promise<void> {
    const run = this.queue.then(() => writeJsonDocument(this.path, { version: 1, nodes: Object.fromEntries(next) }));
    this.queue = run.catch(() => {});
    return run;
  }

  /** The commands this node may be sent: what it declares now, within what the user approved. */
  effective(nodeId: string, declared: { commands: readonly string[]; caps: readonly string[] }): { commands: string[]; caps: string[] } {
    const ok = this.approved.get(nodeId);
    if (!ok) return { commands: [], caps: [] };
    const cmds = new Set(ok.commands);
    const caps = new Set(ok.caps);
    return { commands: declared.commands.filter((c) => cmds.has(c)), caps: declared.caps.filter((c) => caps.has(c)) };
  }

  state(nodeId: string): { approvalState: NodeApprovalState; pendingRequestId?: string; pending?: NodePairPendingView } {
    const p = [...this.pending.values()].find((r) => r.nodeId === nodeId);
    const ok = this.approved.has(nodeId);
    if (p) return { approvalState: ok ? 'pending-reapproval' : 'pending-approval', pendingRequestId: p.requestId, pending: p };
    return { approvalState: ok ? 'approved' : 'unapproved' };
  }

  /** A node connected declaring this surface: nothing to do if it is within what was approved, else a request. */
  async declared(s: DeclaredSurface, now = Date.now()): Promise<NodePairPendingView | null> {
    const commands = uniq(s.commands);
    const caps = uniq(s.caps);
    const ok = this.approved.get(s.nodeId);
    if (ok) {
      const next = new Map(this.approved);
      next.set(s.nodeId, { ...ok, lastConnectedAtMs: now });
      this.approved = next;
      void this.persist(next).catch(() => {});
    }
    const within = ok ? commands.every((c) => ok.commands.includes(c)) && caps.every((c) => ok.caps.includes(c)) : commands.length === 0 && caps.length === 0;
    const existing = [...this.pending.values()].find((r) => r.nodeId === s.nodeId);
    if (within) {
      if (!ok) await this.store(s, commands, caps, now); // nothing declared: nothing to approve
      if (existing) this.pending.delete(existing.requestId);
      return null;
    }
    if (existing && JSON.stringify(existing.commands) === JSON.stringify(commands) && JSON.stringify(existing.caps) === JSON.stringify(caps)) return existing;
    if (existing) this.pending.delete(existing.requestId);
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    const req: NodePairPendingView = {
      requestId: randomUUID(), nodeId: s.nodeId, clientId: s.clientId, clientMode: s.clientMode,
      ...(s.displayName ? { displayName: s.displayName } : {}), platform: s.platform, version: s.version,
      ...(s.deviceFamily ? { deviceFamily: s.deviceFamily } : {}), caps, commands, requiredApproveScopes: requiredApproveScopes(commands),
      ...(s.remoteIp ? { remoteIp: s.remoteIp } : {}), silent: false, ts: now,
      approvedCommands: ok?.commands ?? [], approvedCaps: ok?.caps ?? [], isWidening: !!ok, locality: s.locality,
    };
    this.pending.set(req.requestId, req);
    this.emit('requested', req);
    return req;
  }

  private async store(s: Pick<DeclaredSurface, 'nodeId' | 'clientId' | 'clientMode' | 'displayName' | 'platform' | 'version' | 'deviceFamily' | 'remoteIp'>, commands: string[], caps: string[], now: number): Promise<NodePairedView> {
    const prev = this.approved.get(s.nodeId);
    const rec = {
      nodeId: s.nodeId, clientId: s.clientId, clientMode: s.clientMode, ...(s.displayName ? { displayName: s.displayName } : {}),
      platform: s.platform, version: s.version, ...(s.deviceFamily ? { deviceFamily: s.deviceFamily } : {}), caps, commands,
      ...(s.remoteIp ? { remoteIp: s.remoteIp } : {}), createdAtMs: prev?.createdAtMs ?? now, approvedAtMs: now, lastConnectedAtMs: now,
    };
    const next = new Map(this.approved);
    next.set(s.nodeId, rec);
    await this.persist(next);
    this.approved = next;
    return rec;
  }

  /** Approve a pending surface; the approver must hold the scopes its commands need. */
  async approve(requestId: string, approverScopes: readonly string[], by: string, now = Date.now()): Promise<{ requestId: string; node: NodePairedView }> {
    const req = this.pending.get(requestId);
    if (!req) throw invalidRequest('unknown requestId');
    const held = new Set(approverScopes);
    const missing = req.requiredApproveScopes.find((s) => !held.has(s) && !held.has(SCOPE.admin));
    if (missing) throw invalidRequest(`missing scope: ${missing}`, { missingScope: missing, requiredScopes: req.requiredApproveScopes });
    const node = await this.store({ ...req, clientId: req.clientId ?? 'unknown', clientMode: req.clientMode ?? 'node', platform: req.platform ?? 'unknown', version: req.version ?? 'unknown' }, req.commands, req.caps, now);
    this.pending.delete(requestId);
    this.emit('resolved', { requestId, nodeId: req.nodeId, decision: 'approved', ts: now }, { commands: req.commands, caps: req.caps, by });
    return { requestId, node };
  }

  reject(requestId: string, by: string, now = Date.now()): { requestId: string; nodeId: string } {
    const req = this.pending.get(requestId);
    if (!req) throw invalidRequest('unknown requestId');
    this.pending.delete(requestId);
    this.emit('resolved', { requestId, nodeId: req.nodeId, decision: 'rejected', ts: now }, { commands: req.commands, caps: req.caps, by });
    return { requestId, nodeId: req.nodeId };
  }

  /** The node's device was removed (or node.pair.remove): its surface must be approved again. */
  async forget(nodeId: string): Promise<boolean> {
    for (const [id, r] of this.pending) if (r.nodeId === nodeId) this.pending.delete(id);
    if (!this.approved.has(nodeId)) return false;
    const next = new Map(this.approved);
    next.delete(nodeId);
    await this.persist(next);
    this.approved = next;
    return true;
  }

  pendingList(): NodePairPendingView[] {
    return [...this.pending.values()].sort((a, b) => b.ts - a.ts);
  }

  list(): NodePairList {
    return { pending: this.pendingList(), paired: [...this.approved.values()].sort((a, b) => b.approvedAtMs - a.approvedAtMs) };
  }

  paired(nodeId: string): NodePairedView | undefined {
    return this.approved.get(nodeId);
  }
}
