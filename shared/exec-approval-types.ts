// Exec approvals and node command surfaces on the wire: OpenClaw's shapes (exec.approval.*, approval.*,
// node.pair.*), kept exactly, plus Loopgate's own view for the window and tray (loopgate.approvals.*), its
// 30-minute grants, and the limits both sides share.

/** The decisions OpenClaw knows. */
export const EXEC_DECISIONS = ['allow-once', 'allow-always', 'deny'] as const;
export type ExecDecision = (typeof EXEC_DECISIONS)[number];

/** Loopgate's fourth decision: allow-once now, and a gateway-held grant for the same argv, cwd, node and agent. */
export const ALLOW_FOR_30_MINUTES = 'allow-for-30-minutes';
export type LoopgateDecision = ExecDecision | typeof ALLOW_FOR_30_MINUTES;
export const LOOPGATE_DECISIONS: readonly LoopgateDecision[] = [...EXEC_DECISIONS, ALLOW_FOR_30_MINUTES];
export const GRANT_DURATION_MS = 30 * 60_000;

/** OpenClaw's DEFAULT_EXEC_APPROVAL_TIMEOUT_MS; Loopgate's default for `approvals.timeoutMs`. */
export const DEFAULT_EXEC_APPROVAL_TIMEOUT_MS = 1_800_000;
/** A resolved record stays answerable (waitDecision, approval.get) this long. */
export const EXEC_APPROVAL_RESOLVED_GRACE_MS = 15_000;
/** Longest command text shown in a prompt (after escaping invisibles); longer requests are refused. */
export const EXEC_APPROVAL_DISPLAY_LIMIT = 16_384;
/** Pending requests one client may hold at once. */
export const EXEC_APPROVAL_PENDING_PER_CLIENT = 256;

export type TerminalReason = 'user' | 'timeout' | 'no-route' | 'run-aborted' | 'gateway-restart' | 'storage-corrupt' | 'malformed-verdict';
export type DeliveryRoute = 'approval-client' | 'forwarder' | 'turn-source';

// ---- OpenClaw shapes ---------------------------------------------------------------------------------

export interface AllowlistRule {
  pattern: string;
  argPattern?: string;
  source?: string;
}

export interface PolicySnapshot {
  security: 'deny' | 'allowlist' | 'full';
  ask: 'off' | 'on-miss' | 'always';
  askFallback: 'deny' | 'allowlist' | 'full';
  autoAllowSkills: boolean;
  allowlistRules: AllowlistRule[];
}

/** What `system.run.prepare` returns as `plan`: the canonical command the approval binds to. */
export interface SystemRunPlan {
  argv: string[];
  cwd: string | null;
  commandText: string;
  commandPreview?: string | null;
  agentId: string | null;
  sessionKey: string | null;
  policySnapshot?: PolicySnapshot;
  mutableFileOperand?: { argvIndex: number; path: string; sha256: string } | null;
}

/** `system.run.prepare` result. */
export interface SystemRunPrepared {
  plan: SystemRunPlan;
  execPolicy?: { security: string; ask: string };
  allowAlwaysCoverage?: { complete: boolean; patterns: AllowlistRule[] };
}

export interface SystemRunBinding {
  argv: string[];
  cwd: string | null;
  agentId: string | null;
  sessionKey: string | null;
  envHash: string | null;
}

export interface CommandAnalysis {
  commandCount: number;
  nestedCommandCount: number;
  riskKinds: string[];
  warningLines: string[];
}

export interface CommandSpan {
  startIndex: number;
  endIndex: number;
}

/** The stored request (sanitised input plus server-computed fields), as broadcast in `exec.approval.requested`. */
export interface ExecApprovalRequest {
  command: string;
  commandPreview?: string;
  commandArgv?: string[];
  envKeys?: string[];
  systemRunBinding: SystemRunBinding | null;
  systemRunPlan: SystemRunPlan | null;
  cwd: string | null;
  nodeId: string | null;
  host: string | null;
  security: string | null;
  ask: string | null;
  warningText: string | null;
  scope: unknown;
  commandAnalysis: CommandAnalysis | null;
  commandSpans?: CommandSpan[];
  unavailableDecisions?: ['allow-always'];
  allowedDecisions: ExecDecision[];
  agentId: string | null;
  resolvedPath: string | null;
  sessionKey: string | null;
  sessionId: string | null;
  runId: string | null;
  toolCallId: string | null;
  turnSourceChannel: string | null;
  turnSourceTo: string | null;
  turnSourceAccountId: string | null;
  turnSourceThreadId: string | number | null;
  cronExecutionSource: null;
  cronOperationBinding: null;
}

/** `exec.approval.requested` */
export interface ExecApprovalRequestedEvent {
  approvalKind: 'exec';
  id: string;
  request: ExecApprovalRequest;
  createdAtMs: number;
  expiresAtMs: number;
}

/** `exec.approval.resolved`; a timeout is broadcast as `deny` with `resolvedBy: null`. */
export interface ExecApprovalResolvedEvent {
  id: string;
  decision: ExecDecision;
  resolvedBy: string | null;
  ts: number;
  request: ExecApprovalRequest;
}

/** First `res` of a two-phase `exec.approval.request`. */
export interface ExecApprovalAccepted {
  status: 'accepted';
  id: string;
  deliveryRoute: DeliveryRoute;
  createdAtMs: number;
  expiresAtMs: number;
}

/** Final `res` of `exec.approval.request`; null = timed out or no route. */
export interface ExecApprovalFinal {
  id: string;
  decision: ExecDecision | null;
  createdAtMs: number;
  expiresAtMs: number;
}

/** `exec.approval.waitDecision` */
export interface ExecApprovalWaitResult extends ExecApprovalFinal {
  terminalReason: TerminalReason;
}

/** `exec.approval.get` */
export interface ExecApprovalGetResult {
  id: string;
  commandText: string;
  commandPreview: string | null;
  allowedDecisions: ExecDecision[];
  host: string | null;
  nodeId: string | null;
  agentId: string | null;
  expiresAtMs: number;
}

/** One row of `exec.approval.list` (an array). */
export interface ExecApprovalListEntry {
  id: string;
  request: ExecApprovalRequest;
  createdAtMs: number;
  expiresAtMs: number;
  approvalKind: 'exec';
}

export type ApprovalStatus = 'pending' | 'allowed' | 'denied' | 'expired' | 'cancelled';

/** `approval.get` / `approval.resolve` record. */
export interface ApprovalRecordView {
  id: string;
  status: ApprovalStatus;
  presentation: {
    kind: 'exec';
    commandText: string;
    commandPreview: string | null;
    warningText: string | null;
    host: string | null;
    nodeId: string | null;
    agentId: string | null;
    allowedDecisions: ExecDecision[];
  };
  urlPath: string;
  createdAtMs: number;
  expiresAtMs: number;
  resolvedAtMs?: number;
  reason?: TerminalReason;
  decision?: ExecDecision;
  source: { agentId: string | null; sessionKey: string | null };
  resolver: { kind: string; id: string } | null;
}

export interface ApprovalResolveResult {
  applied: boolean;
  approval: ApprovalRecordView;
}

// ---- Loopgate's view (window, tray, notifications, CLI) ----------------------------------------------

/** Who asked: what the gateway knows about the requesting connection (names are reported, never proof). */
export interface ApprovalRequester {
  /** upstream: relayed by the OpenClaw gateway Loopgate is attached to, which does not name the client. */
  kind: 'owner' | 'token' | 'device' | 'upstream';
  /** Short human label, e.g. "device 3f2a… (cli)" or "gateway token holder (gateway-client)". */
  label: string;
  clientId: string;
  clientMode: string;
  displayName?: string;
  deviceId?: string;
}

/** Why a command is never one click from a notification. */
export type ApprovalRisk = 'warning' | 'mutable-file-operand' | 'shell' | 'inline-eval' | 'command-carrier' | 'other';

export interface LoopgateApprovalView {
  id: string;
  status: ApprovalStatus;
  /** node.invoke: Loopgate asked on an operator's system.run; request: a client called exec.approval.request. */
  via: 'node.invoke' | 'request';
  /** Cleaned (invisibles escaped); `commandSpans` index into this text. */
  commandText: string;
  commandPreview: string | null;
  commandSpans?: CommandSpan[];
  warningText: string | null;
  warningLines: string[];
  risks: ApprovalRisk[];
  argv: string[] | null;
  cwd: string | null;
  host: string | null;
  nodeId: string | null;
  /** The node's reported display name, if connected. */
  nodeName?: string;
  agentId: string | null;
  sessionKey: string | null;
  requester: ApprovalRequester;
  allowedDecisions: LoopgateDecision[];
  createdAtMs: number;
  expiresAtMs: number;
  resolvedAtMs?: number;
  decision?: LoopgateDecision | null;
  terminalReason?: TerminalReason;
  resolvedBy?: string | null;
  /** A grant answered it without asking. */
  grantId?: string;
}

/** A gateway-held "Allow for 30 minutes": matches the same argv, cwd, node and agent until it expires. */
export interface ApprovalGrant {
  grantId: string;
  approvalId: string;
  nodeId: string;
  nodeName?: string;
  agentId: string | null;
  cwd: string | null;
  argv: string[];
  commandText: string;
  createdAtMs: number;
  expiresAtMs: number;
  grantedBy: string;
  useCount: number;
  lastUsedAtMs?: number;
}

/** `loopgate.approval.resolved` */
export interface LoopgateApprovalResolvedEvent {
  id: string;
  status: ApprovalStatus;
  decision: LoopgateDecision | null;
  terminalReason: TerminalReason;
  resolvedBy: string | null;
  ts: number;
  grant?: ApprovalGrant;
}

/** Loopgate's own methods (operator.approvals; the window, tray and `loopgate approvals` use them). */
export const LOOPGATE_APPROVAL_METHODS = {
  /** {} → { approvals: LoopgateApprovalView[] } (pending, newest first) */
  list: 'loopgate.approvals.list',
  /** { id, decision: LoopgateDecision } → { ok: true, approval: LoopgateApprovalView, grant?: ApprovalGrant } */
  resolve: 'loopgate.approvals.resolve',
  /** {} → { grants: ApprovalGrant[] } (unexpired) */
  grants: 'loopgate.approvals.grants',
  /** { grantId } → { ok: true, grant: ApprovalGrant } */
  revokeGrant: 'loopgate.approvals.grants.revoke',
} as const;

/** Loopgate's own events (operator.admin sessions that are not paired devices: the window, the CLI). */
export const LOOPGATE_APPROVAL_EVENTS = {
  /** payload LoopgateApprovalView */
  requested: 'loopgate.approval.requested',
  /** payload LoopgateApprovalResolvedEvent */
  resolved: 'loopgate.approval.resolved',
  /** payload { grants: ApprovalGrant[] } */
  grants: 'loopgate.approval.grants',
} as const;

export interface LoopgateResolveResult {
  ok: true;
  approval: LoopgateApprovalView;
  grant?: ApprovalGrant;
}

// ---- node command surfaces (node.pair.*) -------------------------------------------------------------

/** What a node says about itself and the commands and caps it declares (as OpenClaw's node.pair shapes carry them). */
export interface NodeDeclared {
  nodeId: string;
  clientId?: string;
  clientMode?: string;
  displayName?: string;
  platform?: string;
  version?: string;
  deviceFamily?: string;
  caps: string[];
  commands: string[];
}

/** A node's declared commands and caps waiting for the user (OpenClaw's pending shape plus Loopgate fields). */
export interface NodePairPendingView extends NodeDeclared {
  requestId: string;
  requiredApproveScopes: string[];
  remoteIp?: string;
  silent: boolean;
  ts: number;
  /** Loopgate additions: what is already approved, so a widening shows only what it adds. */
  approvedCommands: string[];
  approvedCaps: string[];
  isWidening: boolean;
  locality: 'local' | 'browser' | 'remote';
}

export interface NodePairedView extends NodeDeclared {
  remoteIp?: string;
  createdAtMs: number;
  approvedAtMs: number;
  lastConnectedAtMs?: number;
}

/** `node.pair.list` */
export interface NodePairList {
  pending: NodePairPendingView[];
  paired: NodePairedView[];
}

/** `node.pair.resolved` */
export interface NodePairResolvedEvent {
  requestId: string;
  nodeId: string;
  decision: 'approved' | 'rejected';
  ts: number;
}

/** node.list additions for each node. */
export type NodeApprovalState = 'approved' | 'pending-approval' | 'pending-reapproval' | 'unapproved';
