// Exec approvals and node command surfaces as one room the gateway plugs in: it gives the hub its connections,
// settings and audit log; the hub answers the methods, tells the right clients, and serves the app (tray,
// notifications) through ApprovalsHandle.
import { EventEmitter } from 'node:events';
import type { ApprovalGrant, LoopgateDecision, LoopgateResolveResult, NodePairPendingView } from '../../shared/exec-approval-types';
import type { AuditEntry } from '../../shared/pairing-types';
import type { Connection } from '../gateway/connection';
import type { ApprovalEvents, ApprovalsHandle } from './approvals-handle';
import { TRAY_RESOLVER } from './approval-routing';
import { ExecApprovals } from './exec-approvals';
import { NodeSurfaces } from './node-surfaces';
import { safeListener } from '../gateway/safe-listener';

export interface HubHost {
  connections(): Iterable<Connection>;
  nodeConnection(nodeId: string): Connection | undefined;
  approvalTimeoutMs(): number;
  /** Append to the audit log and tell the window (loopgate.audit). */
  audit(entry: Omit<AuditEntry, 'ts'>): void;
  /** Broadcast with the event's scope rules (node.pair.* need operator.pairing); `about`: the device it concerns. */
  broadcast(event: string, payload: unknown, about?: string): void;
  log(line: string): void;
}

export class ApprovalsHub implements ApprovalsHandle {
  readonly exec: ExecApprovals;
  private readonly emitter = new EventEmitter();
  private appRoute = false;

  private constructor(private readonly host: HubHost, readonly surfaces: NodeSurfaces) {
    const authed = function* (): Generator<Connection> {
      for (const c of host.connections()) if (c.identity) yield c;
    };
    this.exec = new ExecApprovals({
      connections: authed,
      nodeName: (nodeId) => host.nodeConnection(nodeId)?.identity?.displayName ?? surfaces.paired(nodeId)?.displayName,
      timeoutMs: () => host.approvalTimeoutMs(),
      audit: (e) => host.audit(e),
      localRoute: () => this.appRoute,
    });
    this.exec.on('approvalRequested', (a) => this.emitter.emit('approvalRequested', a));
    this.exec.on('approvalResolved', (e) => this.emitter.emit('approvalResolved', e));
    this.exec.on('approvals', (l) => this.emitter.emit('approvals', l));
    surfaces.on('requested', (req) => {
      host.broadcast('node.pair.requested', req, req.nodeId);
      host.audit({
        deviceId: req.nodeId, kind: 'node-commands', decision: 'requested', silent: false, by: `node ${req.displayName ? `${req.displayName} (reported)` : req.nodeId.slice(0, 12)}`,
        reason: req.isWidening ? 'node declared more commands than approved' : 'new node command surface', commands: req.commands, caps: req.caps,
        displayName: req.displayName, locality: req.locality,
      });
      this.emitter.emit('nodeCommandsRequested', req);
    });
    surfaces.on('resolved', (ev, what) => {
      host.broadcast('node.pair.resolved', ev, ev.nodeId);
      host.audit({
        deviceId: ev.nodeId, kind: 'node-commands', decision: ev.decision, silent: false, by: what.by,
        reason: ev.decision === 'approved' ? 'node commands approved' : 'node commands denied', commands: what.commands, caps: what.caps,
      });
      this.emitter.emit('nodeCommandsResolved', ev);
    });
  }

  static async open(home: string, host: HubHost): Promise<ApprovalsHub> {
    const surfaces = await NodeSurfaces.open(home);
    if (surfaces.problem) host.log(`node command surfaces unreadable (${surfaces.problem}); every node asks again`);
    return new ApprovalsHub(host, surfaces);
  }

  /** A node connected: its declared surface is checked against what the user approved. */
  nodeConnected(conn: Connection): void {
    const i = conn.identity!;
    void this.surfaces.declared({
      nodeId: i.deviceId!, clientId: i.clientId, clientMode: i.clientMode, ...(i.displayName ? { displayName: i.displayName } : {}),
      platform: i.platform, version: i.version, ...(i.deviceFamily ? { deviceFamily: i.deviceFamily } : {}), caps: i.caps, commands: i.commands,
      ...(i.local ? {} : { remoteIp: conn.peer }), locality: i.local ? 'local' : conn.transport === 'browser' ? 'browser' : 'remote',
    }).catch((e: unknown) => this.host.log(`node surface check failed: ${(e as Error).message}`));
  }

  connectionClosed(conn: Connection): void {
    this.exec.dropConnection(conn.id);
  }

  close(): void {
    this.exec.close();
  }

  // ---- ApprovalsHandle --------------------------------------------------------------------------

  approvals() {
    return this.exec.views();
  }

  async resolveApproval(id: string, decision: LoopgateDecision): Promise<LoopgateResolveResult> {
    return this.exec.resolveLoopgate(id, decision, TRAY_RESOLVER);
  }

  grants(): ApprovalGrant[] {
    return this.exec.grants.list();
  }

  revokeGrant(grantId: string): ApprovalGrant {
    return this.revoke(grantId, 'owner (Loopgate tray)');
  }

  revoke(grantId: string, by: string): ApprovalGrant {
    const g = this.exec.grants.revoke(grantId);
    this.host.audit({
      deviceId: g.nodeId, kind: 'exec-approval', decision: 'removed', silent: false, by, reason: '30-minute grant revoked',
      exec: { approvalId: g.approvalId, command: g.commandText, cwd: g.cwd, nodeId: g.nodeId, agentId: g.agentId, sessionKey: null, requester: g.grantedBy, grantId: g.grantId },
    });
    return g;
  }

  setApprovalRoute(present: boolean): void {
    this.appRoute = present;
  }

  nodeCommandRequests(): NodePairPendingView[] {
    return this.surfaces.pendingList();
  }

  async approveNodeCommands(requestId: string): Promise<void> {
    await this.surfaces.approve(requestId, ['operator.admin'], 'owner (Loopgate tray)');
  }

  async rejectNodeCommands(requestId: string): Promise<void> {
    this.surfaces.reject(requestId, 'owner (Loopgate tray)');
  }

  on<K extends keyof ApprovalEvents>(event: K, listener: ApprovalEvents[K]): () => void {
    return safeListener(this.emitter, event, listener, (line) => this.host.log(line));
  }
}
