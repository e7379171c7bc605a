// exec.approval.request: the closed params schema and the stored request built from it, with the reference's
// checks in the reference's order (each failure is an INVALID_REQUEST naming what is wrong; nothing is stored).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GatewayError, ErrorCode, invalidRequest } from '../../shared/errors';
import type { ExecApprovalRequest, ExecDecision, SystemRunPlan } from '../../shared/exec-approval-types';
import { assessCommand, cleanCommandText, cleanWarningText, normalizeSpans, type CommandRisks } from './approval-text';

const text = z.string().max(4096);
const optText = text.nullish();
const argv = z.array(z.string().max(262_144)).max(4096);

export const PolicySnapshotSchema = z.object({
  security: z.string(), ask: z.string(), askFallback: z.string().optional(), autoAllowSkills: z.boolean().optional(),
  allowlistRules: z.array(z.object({ pattern: z.string(), argPattern: z.string().optional(), source: z.string().optional() }).passthrough()).optional(),
}).passthrough();

/** The prepared plan is forwarded to the node byte for byte, so unknown fields are kept. */
export const SystemRunPlanSchema = z.object({
  argv,
  cwd: z.string().max(4096).nullable(),
  commandText: z.string().max(262_144),
  commandPreview: z.string().max(262_144).nullish(),
  agentId: optText,
  sessionKey: optText,
  policySnapshot: PolicySnapshotSchema.optional(),
  mutableFileOperand: z.object({ argvIndex: z.number().int().min(0), path: z.string(), sha256: z.string() }).passthrough().nullish(),
}).passthrough();

export const ExecApprovalRequestSchema = z.strictObject({
  id: z.string().min(1).max(256).optional(),
  command: z.string().max(1_000_000).optional(),
  commandArgv: argv.optional(),
  systemRunPlan: SystemRunPlanSchema.optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: optText,
  nodeId: optText,
  host: z.enum(['node', 'gateway']).optional(),
  security: optText,
  ask: optText,
  warningText: z.string().max(1_000_000).nullish(),
  scope: z.unknown().optional(),
  unavailableDecisions: z.array(z.literal('allow-always')).max(1).optional(),
  commandSpans: z.array(z.object({ startIndex: z.number().int(), endIndex: z.number().int() })).max(10_000).optional(),
  agentId: optText,
  resolvedPath: optText,
  sessionKey: optText,
  sessionId: optText,
  runId: optText,
  toolCallId: optText,
  turnSourceChannel: optText,
  turnSourceTo: optText,
  turnSourceAccountId: optText,
  turnSourceThreadId: z.union([text, z.number()]).nullish(),
  approvalReviewerDeviceIds: z.array(text).max(64).optional(),
  requireDeliveryRoute: z.boolean().optional(),
  suppressDelivery: z.boolean().optional(),
  deliverToApprovalClientsOnly: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
  twoPhase: z.boolean().optional(),
});
export type ExecApprovalRequestParams = z.infer<typeof ExecApprovalRequestSchema>;

const PLUGIN_PREFIX = 'plugin:';

/** Hash of the environment the command would run with, so an approval never covers a different one. */
export function envHash(env: Record<string, string> | undefined): string | null {
  if (!env || Object.keys(env).length === 0) return null;
  const sorted = Object.keys(env).sort().map((k) => [k, env[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

export function allowedDecisionsFor(ask: string | null | undefined, unavailable: readonly string[] | undefined): ExecDecision[] {
  return ask === 'always' || unavailable?.includes('allow-always') ? ['allow-once', 'deny'] : ['allow-once', 'allow-always', 'deny'];
}

const nn = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);

export interface BuiltRequest {
  request: ExecApprovalRequest;
  argv: string[] | null;
  assessed: CommandRisks;
}

export function buildExecApprovalRequest(p: ExecApprovalRequestParams): BuiltRequest {
  const host = p.host ?? '';
  const plan = (p.systemRunPlan ?? null) as SystemRunPlan | null;
  const nodeId = nn(p.nodeId);
  if (host === 'node' && !nodeId) throw invalidRequest('nodeId is required for host=node');
  if (host === 'node' && !plan) throw invalidRequest('systemRunPlan is required for host=node');
  // With a plan, the plan is what will run: its argv, cwd, agent and session are the ones bound.
  const effArgv = plan ? plan.argv : p.commandArgv ?? null;
  const effCwd = plan ? nn(plan.cwd) : nn(p.cwd);
  const effAgent = plan ? nn(plan.agentId) ?? nn(p.agentId) : nn(p.agentId);
  const effSession = plan ? nn(plan.sessionKey) ?? nn(p.sessionKey) : nn(p.sessionKey);
  const commandText = plan ? plan.commandText : p.command ?? (effArgv ? effArgv.join(' ') : '');
  if (commandText.trim().length === 0) throw invalidRequest('command is required');
  if (p.id?.startsWith(PLUGIN_PREFIX)) throw invalidRequest(`approval ids starting with ${PLUGIN_PREFIX} are reserved`);
  if (host === 'node' && (!effArgv || effArgv.length === 0)) throw invalidRequest('commandArgv is required for host=node');
  const shown = cleanCommandText(commandText);
  if (shown.overLimit) {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, 'command exceeds exec approval display limit', { reason: 'EXEC_APPROVAL_COMMAND_DISPLAY_LIMIT' });
  }
  const warningText = p.warningText ? cleanWarningText(p.warningText) : null;
  const assessed = assessCommand(effArgv, plan, warningText, commandText);
  const spans = shown.unchanged ? normalizeSpans(p.commandSpans, shown.text.length) : undefined;
  const envKeys = p.env ? Object.keys(p.env).sort() : [];
  const request: ExecApprovalRequest = {
    command: shown.text,
    ...(host !== 'node' && plan?.commandPreview ? { commandPreview: cleanCommandText(plan.commandPreview).text } : {}),
    ...(host !== 'node' && effArgv ? { commandArgv: effArgv } : {}),
    ...(envKeys.length ? { envKeys } : {}),
    systemRunBinding: host === 'node' && effArgv ? { argv: effArgv, cwd: effCwd, agentId: effAgent, sessionKey: effSession, envHash: envHash(p.env) } : null,
    systemRunPlan: plan,
    cwd: effCwd ? cleanCommandText(effCwd).text : null,
    nodeId: host === 'node' ? nodeId : null,
    host: host || null,
    security: nn(p.security),
    ask: nn(p.ask),
    warningText,
    scope: p.scope ?? null,
    commandAnalysis: assessed.analysis,
    ...(spans ? { commandSpans: spans } : {}),
    ...(p.unavailableDecisions?.length ? { unavailableDecisions: ['allow-always'] as ['allow-always'] } : {}),
    allowedDecisions: allowedDecisionsFor(p.ask, p.unavailableDecisions),
    agentId: effAgent,
    resolvedPath: p.resolvedPath ? cleanCommandText(p.resolvedPath).text : null,
    sessionKey: effSession,
    sessionId: nn(p.sessionId),
    runId: nn(p.runId),
    toolCallId: nn(p.toolCallId),
    turnSourceChannel: nn(p.turnSourceChannel),
    turnSourceTo: nn(p.turnSourceTo),
    turnSourceAccountId: nn(p.turnSourceAccountId),
    turnSourceThreadId: p.turnSourceThreadId ?? null,
    cronExecutionSource: null,
    cronOperationBinding: null,
  };
  return { request, argv: effArgv, assessed };
}
