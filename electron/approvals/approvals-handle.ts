// What the rest of the main process (tray, notifications, window IPC) sees of exec approvals and node command
// surfaces: part of GatewayHandle, so the app never reaches into the gateway's internals.
import type {
  ApprovalGrant, LoopgateApprovalResolvedEvent, LoopgateApprovalView, LoopgateDecision, LoopgateResolveResult,
  NodePairPendingView, NodePairResolvedEvent,
} from '../../shared/exec-approval-types';

export interface ApprovalEvents {
  /** A request now waits for the user (never fired for one a grant answered). */
  approvalRequested: (approval: LoopgateApprovalView) => void;
  /** A request left the queue: decided (here, by the CLI or another client), timed out, or withdrawn. */
  approvalResolved: (ev: LoopgateApprovalResolvedEvent) => void;
  /** The pending approvals changed in any way. */
  approvals: (list: LoopgateApprovalView[]) => void;
  /** A node's declared commands/caps (new, or widened) wait for the user. */
  nodeCommandsRequested: (req: NodePairPendingView) => void;
  nodeCommandsResolved: (ev: NodePairResolvedEvent) => void;
}

/** `gateway.approvals`: everything the app needs about exec approvals and node command surfaces. */
export interface ApprovalsHandle {
  /** Pending exec approvals, newest first. */
  approvals(): LoopgateApprovalView[];
  /** Decide as the owner (tray, notification); errors are GatewayErrors with the reference's messages. */
  resolveApproval(id: string, decision: LoopgateDecision): Promise<LoopgateResolveResult>;
  grants(): ApprovalGrant[];
  revokeGrant(grantId: string): ApprovalGrant;
  /**
   * The running app's tray and notifications count as an approval route while `present` is true (the window's
   * own owner session counts by itself while it is connected). Call with true once the tray is up.
   */
  setApprovalRoute(present: boolean): void;
  nodeCommandRequests(): NodePairPendingView[];
  approveNodeCommands(requestId: string): Promise<void>;
  rejectNodeCommands(requestId: string): Promise<void>;
  /** Listeners are adapters (tray, notifications): a bug in one is logged, never fatal. Returns an unsubscribe. */
  on<K extends keyof ApprovalEvents>(event: K, listener: ApprovalEvents[K]): () => void;
}
