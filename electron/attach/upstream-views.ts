// OpenClaw's device.pair.list entries, exec approvals, node command requests and their events, turned into the
// views Loopgate's window, tray and notifications already show. What OpenClaw does not say (why a request was
// made, how long it waits, who asked) is worked out from what it does say; what a client reports stays marked as
// reported, cleaned like Loopgate's own.
import { fingerprintOf } from '../../shared/device-auth';
import {
  DEFAULT_EXEC_APPROVAL_TIMEOUT_MS, EXEC_APPROVAL_DISPLAY_LIMIT, EXEC_DECISIONS,
  type ApprovalRequester, type CommandSpan, type ExecDecision, type LoopgateApprovalResolvedEvent, type LoopgateApprovalView,
  type NodePairPendingView, type SystemRunPlan,
} from '../../shared/exec-approval-types';
import { approvedRolesOf, approvedScopesOf, pairingReason } from '../../shared/pairing-decision';
import type { PairedDeviceView, PendingRequestView, TokenSummary } from '../../shared/pairing-types';
import { cleanReported } from '../../shared/reported-text';
import { normalizeScopes } from '../../shared/scopes';
import { assessCommand, cleanCommandText, cleanWarningText, normalizeSpans } from '../approvals/approval-text';

/** OpenClaw does not send its pending lifetime; this is what the window shows as the expiry. */
export const UPSTREAM_PENDING_TTL_MS = 5 * 60_000;

type Raw = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

function reported(r: Raw): Partial<PendingRequestView> {
  const out: Partial<PendingRequestView> = {};
  for (const key of ['displayName', 'platform', 'deviceFamily', 'clientId', 'clientMode'] as const) {
    const v = cleanReported(str(r[key]), 64);
    if (v) out[key] = v;
  }
  return out;
}

export function pairedView(r: Raw): PairedDeviceView | null {
  const deviceId = str(r.deviceId);
  const publicKey = str(r.publicKey);
  if (!deviceId || !publicKey) return null;
  const facts = { publicKey, role: str(r.role), roles: Array.isArray(r.roles) ? strings(r.roles) : undefined, scopes: Array.isArray(r.scopes) ? strings(r.scopes) : undefined, approvedScopes: Array.isArray(r.approvedScopes) ? strings(r.approvedScopes) : undefined };
  const tokens: TokenSummary[] = (Array.isArray(r.tokens) ? r.tokens : []).flatMap((t: unknown) => {
    const tok = t as Raw;
    const role = str(tok?.role);
    if (!role) return [];
    return [{
      role, scopes: strings(tok.scopes), createdAtMs: num(tok.createdAtMs) ?? 0,
      ...(num(tok.rotatedAtMs) ? { rotatedAtMs: num(tok.rotatedAtMs) } : {}), ...(num(tok.revokedAtMs) ? { revokedAtMs: num(tok.revokedAtMs) } : {}),
      ...(num(tok.lastUsedAtMs) ? { lastUsedAtMs: num(tok.lastUsedAtMs) } : {}),
    }];
  });
  const label = cleanReported(str(r.operatorLabel), 64);
  return {
    deviceId, publicKey, fingerprint: fingerprintOf(deviceId), ...reported(r),
    ...(label ? { operatorLabel: label } : {}),
    ...(str(r.role) ? { role: str(r.role) } : {}),
    roles: approvedRolesOf(facts), scopes: normalizeScopes(facts.scopes ?? approvedScopesOf(facts)), approvedScopes: approvedScopesOf(facts),
    ...(str(r.remoteIp) ? { remoteIp: str(r.remoteIp) } : {}), ...(str(r.approvedVia) ? { approvedVia: str(r.approvedVia) } : {}),
    createdAtMs: num(r.createdAtMs) ?? 0, approvedAtMs: num(r.approvedAtMs) ?? num(r.createdAtMs) ?? 0,
    ...(num(r.lastSeenAtMs) ? { lastSeenAtMs: num(r.lastSeenAtMs) } : {}), ...(str(r.lastSeenReason) ? { lastSeenReason: str(r.lastSeenReason) } : {}),
    connected: r.connected === true, tokens,
  };
}

/**
 * A pending request as Loopgate shows it. The reason comes from the request when the gateway says it (Loopgate
 * does), else from comparing it with what the device already holds on that gateway.
 */
export function pendingView(r: Raw, paired: ReadonlyMap<string, PairedDeviceView>): PendingRequestView | null {
  const requestId = str(r.requestId);
  const deviceId = str(r.deviceId);
  const publicKey = str(r.publicKey) ?? '';
  if (!requestId || !deviceId) return null;
  const roles = normalizeScopes(strings(r.roles).length ? strings(r.roles) : [str(r.role) ?? 'operator']);
  const role = str(r.role) ?? roles[0] ?? 'operator';
  const scopes = normalizeScopes(strings(r.scopes));
  const held = paired.get(deviceId);
  const reason = str(r.reason)
    ?? pairingReason(held ? { ...held, scopes: held.approvedScopes } : undefined, { publicKey, role, scopes, platform: str(r.platform), deviceFamily: str(r.deviceFamily) })
    ?? 'scope-upgrade';
  const remoteIp = str(r.remoteIp);
  const locality = r.locality === 'local' || r.locality === 'browser' || r.locality === 'remote' ? r.locality : remoteIp && !LOOPBACK.test(remoteIp) ? 'remote' : 'local';
  const ts = num(r.ts) ?? num(r.createdAtMs) ?? Date.now();
  return {
    requestId, deviceId, publicKey, fingerprint: fingerprintOf(deviceId), ...reported(r), role, roles, scopes,
    ...(remoteIp ? { remoteIp } : {}), silent: r.silent === true, isRepair: r.isRepair === true, ts,
    reason, locality, sourceAddress: str(r.sourceAddress) ?? remoteIp ?? (locality === 'local' ? '127.0.0.1' : 'unknown'),
    ...(str(r.origin) ? { origin: str(r.origin) } : {}),
    heldRoles: Array.isArray(r.heldRoles) ? strings(r.heldRoles) : held?.roles ?? [],
    heldScopes: Array.isArray(r.heldScopes) ? strings(r.heldScopes) : held?.approvedScopes ?? [],
    // What approving on that gateway gives: the asked role beside those held, and the asked scopes.
    grant: { roles: normalizeScopes([...(held?.roles ?? []), role]), scopes },
    createdAtMs: num(r.createdAtMs) ?? ts, expiresAtMs: num(r.expiresAtMs) ?? ts + UPSTREAM_PENDING_TTL_MS,
  };
}

// ---- exec approvals and node command surfaces -----------------------------------------------------

const UPSTREAM_DECISIONS: readonly ExecDecision[] = EXEC_DECISIONS;

/** Who asked, as far as Loopgate can tell: the OpenClaw gateway relays the request; it does not name the client. */
export function upstreamRequester(url: string): ApprovalRequester {
  return { kind: 'upstream', label: `OpenClaw gateway at ${url.replace(/^wss?:\/\//, '')}`, clientId: 'openclaw-gateway', clientMode: 'backend' };
}

/**
 * An exec approval the OpenClaw gateway announced (exec.approval.requested, or a row of exec.approval.list), as
 * Loopgate's window and tray show it. The text is cleaned as Loopgate's own requests are (invisibles escaped), the
 * risks are Loopgate's own reading of the argv beside OpenClaw's warning lines, and the decisions are the ones
 * that gateway allows (a Loopgate 30-minute grant cannot bind another gateway's runs, so it is not offered).
 */
export function approvalView(raw: Raw, requester: ApprovalRequester, nodeName?: (nodeId: string) => string | undefined): LoopgateApprovalView | null {
  const id = str(raw.id);
  const r = (raw.request ?? null) as Raw | null;
  if (!id || !r || typeof r !== 'object' || (raw.approvalKind !== undefined && raw.approvalKind !== 'exec')) return null;
  const plan = (r.systemRunPlan && typeof r.systemRunPlan === 'object' ? r.systemRunPlan : null) as SystemRunPlan | null;
  const binding = (r.systemRunBinding && typeof r.systemRunBinding === 'object' ? r.systemRunBinding : null) as Raw | null;
  const argvRaw = binding && Array.isArray(binding.argv) ? binding.argv : Array.isArray(r.commandArgv) ? r.commandArgv : plan && Array.isArray(plan.argv) ? plan.argv : null;
  const argv = argvRaw ? strings(argvRaw) : null;
  const rawText = str(r.command) ?? (argv ? argv.join(' ') : '');
  if (!rawText.trim()) return null;
  // A text past the display limit is shown cut and marked, never silently: the decision stays the user's.
  const shown = cleanCommandText(rawText.slice(0, EXEC_APPROVAL_DISPLAY_LIMIT * 4));
  const cut = shown.overLimit || rawText.length > EXEC_APPROVAL_DISPLAY_LIMIT * 4;
  const commandText = cut ? `${shown.text.slice(0, EXEC_APPROVAL_DISPLAY_LIMIT)}…[truncated]` : shown.text;
  const warningText = str(r.warningText) ? cleanWarningText(str(r.warningText)!) : null;
  const assessed = assessCommand(argv, plan, warningText, rawText);
  const analysis = (r.commandAnalysis && typeof r.commandAnalysis === 'object' ? r.commandAnalysis : {}) as Raw;
  const theirLines = strings(analysis.warningLines).map((l) => cleanWarningText(l));
  const warningLines = [...new Set([...theirLines, ...assessed.analysis.warningLines, ...(cut ? [`The command is longer than Loopgate shows (${rawText.length} characters)`] : [])])];
  const risks = [...new Set([...assessed.risks, ...(cut ? (['other'] as const) : [])])];
  const allowed = strings(r.allowedDecisions).filter((d): d is ExecDecision => (UPSTREAM_DECISIONS as readonly string[]).includes(d));
  const spans = shown.unchanged && !cut && Array.isArray(r.commandSpans) ? normalizeSpans(r.commandSpans as CommandSpan[], commandText.length) : undefined;
  const nodeId = str(r.nodeId) ?? null;
  const name = nodeId ? nodeName?.(nodeId) : undefined;
  const preview = str(r.commandPreview) ?? str(plan?.commandPreview);
  const cwd = str(r.cwd) ?? str(binding?.cwd);
  const createdAtMs = num(raw.createdAtMs) ?? Date.now();
  return {
    id, status: 'pending', via: 'request', commandText, commandPreview: preview ? cleanCommandText(preview.slice(0, EXEC_APPROVAL_DISPLAY_LIMIT)).text : null,
    ...(spans ? { commandSpans: spans } : {}),
    warningText, warningLines, risks, argv, cwd: cwd ? cleanCommandText(cwd).text : null,
    host: str(r.host) ?? null, nodeId, ...(name ? { nodeName: name } : {}),
    agentId: cleanReported(str(r.agentId), 64) ?? null, sessionKey: cleanReported(str(r.sessionKey), 200) ?? null,
    requester, allowedDecisions: allowed.length ? allowed : ['allow-once', 'deny'],
    createdAtMs, expiresAtMs: num(raw.expiresAtMs) ?? createdAtMs + DEFAULT_EXEC_APPROVAL_TIMEOUT_MS,
  };
}

/** What exec.approval.resolved says, as Loopgate's event: a deny from nobody at the expiry is OpenClaw's timeout. */
export function approvalResolvedEvent(raw: Raw, known: LoopgateApprovalView | undefined): LoopgateApprovalResolvedEvent | null {
  const id = str(raw.id);
  if (!id) return null;
  const ts = num(raw.ts) ?? Date.now();
  const decision = (UPSTREAM_DECISIONS as readonly unknown[]).includes(raw.decision) ? (raw.decision as ExecDecision) : null;
  const resolvedBy = cleanReported(str(raw.resolvedBy), 64) ?? null;
  const timedOut = (decision === 'deny' || decision === null) && resolvedBy === null && (!known || ts >= known.expiresAtMs - 1000);
  if (timedOut) return { id, status: 'expired', decision: null, terminalReason: 'timeout', resolvedBy: null, ts };
  return { id, status: decision === 'deny' || decision === null ? 'denied' : 'allowed', decision, terminalReason: 'user', resolvedBy, ts };
}

/** A node's declared commands waiting on the OpenClaw gateway (node.pair.list pending), beside what it approved before. */
export function nodePendingView(r: Raw, paired: ReadonlyMap<string, Raw>): NodePairPendingView | null {
  const requestId = str(r.requestId);
  const nodeId = str(r.nodeId);
  if (!requestId || !nodeId) return null;
  const before = paired.get(nodeId);
  const commands = strings(r.commands);
  const caps = strings(r.caps);
  const approvedCommands = before ? strings(before.commands) : [];
  const approvedCaps = before ? strings(before.caps) : [];
  const remoteIp = str(r.remoteIp);
  return {
    requestId, nodeId, ...reportedNode(r), caps, commands,
    requiredApproveScopes: strings(r.requiredApproveScopes),
    ...(remoteIp ? { remoteIp } : {}), silent: r.silent === true, ts: num(r.ts) ?? Date.now(),
    approvedCommands, approvedCaps, isWidening: !!before,
    locality: remoteIp && !LOOPBACK.test(remoteIp) ? 'remote' : 'local',
  };
}

function reportedNode(r: Raw): Partial<NodePairPendingView> {
  const out: Partial<NodePairPendingView> = {};
  for (const key of ['displayName', 'platform', 'deviceFamily', 'clientId', 'clientMode', 'version'] as const) {
    const v = cleanReported(str(r[key]), 64);
    if (v) out[key] = v;
  }
  return out;
}
