// node.invoke system.run: the gateway asks, the node enforces. A plain call is prepared on the node, and when
// the node's policy needs approval the user is asked; only a matching, unexpired approval record ever puts
// approved / approvalDecision on the wire to the node (the node trusts those flags blindly).
import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError, invalidRequest } from '../../shared/errors';
import type { SystemRunPlan, SystemRunPrepared } from '../../shared/exec-approval-types';
import type { ConnectionIdentity } from '../gateway/connection';
import type { ApprovalEntry } from './approval-records';
import type { ExecApprovals } from './exec-approvals';
import { envHash, SystemRunPlanSchema, type ExecApprovalRequestParams } from './exec-approval-request';

export interface NodeRelay {
  /** Relay one command to the node and return its payload (node errors are thrown as GatewayErrors). */
  invoke(command: string, params: unknown): Promise<unknown>;
  /** Commands the node declared and the user approved. */
  commands: readonly string[];
}

export interface Caller {
  id: string;
  identity: ConnectionIdentity;
}

type Params = Record<string, unknown>;

/** The system.run fields forwarded to the node; anything else a caller sends is dropped. */
const FORWARDED = ['command', 'rawCommand', 'systemRunPlan', 'cwd', 'env', 'timeoutMs', 'agentId', 'sessionKey', 'runId', 'needsScreenRecording', 'suppressNotifyOnExit'];
const APPROVAL_FLAGS = ['approved', 'approvalDecision', 'approvalSource'];

function pick(p: Params, keys: string[]): Params {
  const out: Params = {};
  for (const k of keys) if (p[k] !== undefined && p[k] !== null) out[k] = p[k];
  return out;
}

function guardError(code: string, message: string, extra: Params = {}): GatewayError {
  return invalidRequest(message, { code, ...extra });
}

/** What a denial looks like to the caller: the node's denial shape, with nothing dispatched. */
export function runDenied(reason: string, entry: ApprovalEntry | undefined, text: string): GatewayError {
  const message = `SYSTEM_RUN_DENIED: ${text}`;
  return new GatewayError(ErrorCode.UNAVAILABLE, message, {
    nodeError: { code: 'SYSTEM_RUN_DENIED', message }, reason, nodeCommandDispatched: false,
    ...(entry ? { approvalId: entry.id, decision: entry.loopgateDecision } : {}),
  });
}

function strList(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : null;
}

/** Same argv, cwd, agent, session and environment as the approval bound. */
function bindingMismatch(entry: ApprovalEntry, p: Params): string | null {
  const b = entry.request.systemRunBinding;
  if (!b) return 'approval has no system.run binding';
  const plan = entry.request.systemRunPlan;
  const argv = strList(p.command);
  const given = (k: string) => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : null);
  if (argv && JSON.stringify(argv) !== JSON.stringify(b.argv) && JSON.stringify(argv) !== JSON.stringify(plan?.argv)) return 'argv';
  if (given('cwd') !== null && given('cwd') !== b.cwd) return 'cwd';
  if (given('agentId') !== null && given('agentId') !== b.agentId) return 'agentId';
  if (given('sessionKey') !== null && given('sessionKey') !== b.sessionKey) return 'sessionKey';
  if (envHash(p.env as Record<string, string> | undefined) !== b.envHash) return 'env';
  return null;
}

/** The params the node receives for an approved run: everything the approval bound comes from the stored plan. */
function approvedParams(entry: ApprovalEntry, p: Params, decision: 'allow-once' | 'allow-always'): Params {
  const plan = entry.request.systemRunPlan!;
  return {
    ...pick(p, ['env', 'timeoutMs', 'needsScreenRecording', 'suppressNotifyOnExit']),
    command: plan.argv,
    rawCommand: plan.commandPreview ?? plan.commandText,
    systemRunPlan: plan,
    ...(plan.cwd ? { cwd: plan.cwd } : {}),
    ...(plan.agentId ? { agentId: plan.agentId } : {}),
    ...(plan.sessionKey ? { sessionKey: plan.sessionKey } : {}),
    runId: entry.id,
    approved: true,
    approvalDecision: decision,
  };
}

/**
 * The reference's guard (§7) for a caller that brings its own approval flags: the record must exist, be
 * unexpired, be for this node, belong to the caller, match the command, and (allow-once) be unused.
 */
export function checkApprovedRun(approvals: ExecApprovals, nodeId: string, p: Params, caller: Caller): { entry: ApprovalEntry; decision: 'allow-once' | 'allow-always' } {
  const runId = typeof p.runId === 'string' && p.runId ? p.runId : null;
  if (!runId) throw guardError('MISSING_RUN_ID', 'approval flags require runId (the approval id)');
  if (p.approvalSource !== undefined && p.approved === undefined && p.approvalDecision === undefined) {
    throw guardError('APPROVAL_REQUIRED', 'approval required', { runId });
  }
  const entry = approvals.records.get(runId);
  if (!entry) throw guardError('UNKNOWN_APPROVAL_ID', 'unknown approval id', { runId });
  if (!approvals.records.inGrace(entry) || Date.now() > entry.expiresAtMs) {
    if (entry.status === 'pending') throw guardError('APPROVAL_REQUIRED', 'approval required', { runId });
    throw guardError('APPROVAL_EXPIRED', 'approval expired', { runId });
  }
  if (!entry.request.nodeId) throw guardError('APPROVAL_NODE_BINDING_MISSING', 'approval is not bound to a node', { runId });
  if (entry.request.nodeId !== nodeId) throw guardError('APPROVAL_NODE_MISMATCH', 'approval is for another node', { runId });
  const req = entry.requester;
  if (req.deviceId) {
    if (caller.identity.deviceId !== req.deviceId) throw guardError('APPROVAL_DEVICE_MISMATCH', 'approval was requested by another device', { runId });
  } else if (caller.id !== req.connId) {
    throw guardError('APPROVAL_CLIENT_MISMATCH', 'approval was requested by another connection', { runId });
  }
  const mismatch = bindingMismatch(entry, p);
  if (mismatch) throw guardError('APPROVAL_REQUEST_MISMATCH', `approval does not match this request (${mismatch})`, { runId, field: mismatch });
  if (entry.decision !== 'allow-once' && entry.decision !== 'allow-always') throw guardError('APPROVAL_REQUIRED', 'approval required', { runId });
  if (entry.decision === 'allow-once' && entry.consumed) throw guardError('APPROVAL_REQUIRED', 'approval required', { runId });
  return { entry, decision: entry.decision };
}

function isApprovalRequired(e: unknown): boolean {
  const shape = (e as GatewayError)?.shape;
  return !!shape && /SYSTEM_RUN_DENIED: .*(approval required|allowlist miss)/.test(shape.message);
}

/** Whether the node's prepared policy will refuse a plain run: then the user is asked before anything runs. */
function policyAsks(prepared: SystemRunPrepared): 'ask' | 'maybe' | 'no' {
  const snap = prepared.plan.policySnapshot;
  const security = snap?.security ?? prepared.execPolicy?.security;
  const ask = snap?.ask ?? prepared.execPolicy?.ask;
  if (security === 'deny') return 'no'; // the node refuses outright; no approval can change that
  if (ask === 'always') return 'ask';
  if (security === 'allowlist' && ask === 'on-miss') return (snap?.allowlistRules?.length ?? 0) === 0 ? 'ask' : 'maybe';
  return 'no';
}

export interface SystemRunOptions {
  approvals: ExecApprovals;
  nodeId: string;
  relay: NodeRelay;
  caller: Caller;
  params: unknown;
  /** Bounded by the caller's node.invoke timeout where it has one. */
  onAsk?: (entry: ApprovalEntry) => void;
}

/** node.invoke system.run end to end; returns the node's payload or throws the reason it did not run. */
export async function runSystemRun(o: SystemRunOptions): Promise<unknown> {
  const p = (o.params && typeof o.params === 'object' ? o.params : {}) as Params;
  const base = pick(p, FORWARDED);
  if (APPROVAL_FLAGS.some((k) => p[k] !== undefined)) {
    const { entry, decision } = checkApprovedRun(o.approvals, o.nodeId, p, o.caller);
    if (decision === 'allow-once') entry.consumed = true; // spent before it is sent: a concurrent replay loses
    return o.relay.invoke('system.run', approvedParams(entry, p, decision));
  }
  if (!base.runId) base.runId = randomUUID();
  if (!o.relay.commands.includes('system.run.prepare')) return o.relay.invoke('system.run', base);

  const prepared = await prepare(o, p);
  const verdict = policyAsks(prepared);
  if (verdict === 'no') return o.relay.invoke('system.run', base);
  if (verdict === 'maybe') {
    // The allowlist may cover it; the node decides. Only its "approval required" leads to a prompt.
    try {
      return await o.relay.invoke('system.run', base);
    } catch (e) {
      if (!isApprovalRequired(e)) throw e;
    }
  }
  return askAndRun(o, p, prepared);
}

async function prepare(o: SystemRunOptions, p: Params): Promise<SystemRunPrepared> {
  const argv = strList(p.command);
  if (!argv || argv.length === 0) throw invalidRequest('system.run requires command (an argv array)');
  const raw = await o.relay.invoke('system.run.prepare', {
    command: argv, ...pick(p, ['rawCommand', 'cwd', 'env', 'agentId', 'sessionKey']),
  });
  const plan = SystemRunPlanSchema.safeParse((raw as { plan?: unknown } | null)?.plan);
  if (!plan.success) throw new GatewayError(ErrorCode.UNAVAILABLE, 'node returned no usable system.run plan', { nodeId: o.nodeId });
  return { ...(raw as SystemRunPrepared), plan: plan.data as SystemRunPlan };
}

async function askAndRun(o: SystemRunOptions, p: Params, prepared: SystemRunPrepared): Promise<unknown> {
  const plan = prepared.plan;
  const snap = plan.policySnapshot;
  const env = p.env && typeof p.env === 'object' ? (p.env as Record<string, string>) : undefined;
  const { entry, route } = o.approvals.open({
    command: plan.commandText, commandArgv: plan.argv, systemRunPlan: plan as ExecApprovalRequestParams['systemRunPlan'], host: 'node', nodeId: o.nodeId,
    ...(plan.cwd ? { cwd: plan.cwd } : {}), ...(plan.agentId ? { agentId: plan.agentId } : {}), ...(plan.sessionKey ? { sessionKey: plan.sessionKey } : {}),
    ...(snap?.security ? { security: snap.security } : {}), ...(snap?.ask ? { ask: snap.ask } : {}),
    ...(env ? { env } : {}),
  }, o.caller, 'node.invoke');
  if (!route) throw runDenied('no-route', entry, 'no approval route (open the Loopgate window or connect an approval client), so the command was not run');
  o.onAsk?.(entry);
  await o.approvals.records.wait(entry);
  if (entry.decision === 'allow-once' || entry.decision === 'allow-always') {
    if (entry.consumed) throw guardError('APPROVAL_REQUIRED', 'approval required', { runId: entry.id });
    entry.consumed = entry.decision === 'allow-once';
    return o.relay.invoke('system.run', approvedParams(entry, p, entry.decision));
  }
  if (entry.terminalReason === 'timeout') throw runDenied('approval-timeout', entry, 'approval timed out, so the command was not run');
  if (entry.terminalReason === 'user') throw runDenied('user-denied', entry, 'denied by the user');
  throw runDenied(entry.terminalReason ?? 'cancelled', entry, `approval ended (${entry.terminalReason ?? 'cancelled'}), so the command was not run`);
}
