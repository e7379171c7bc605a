// Which scope each method needs, and the parameter schemas of the methods Loopgate implements.
import { z } from 'zod';
import { SCOPE, SCOPE_PATTERN } from './scopes';

/** Methods only a node may call. */
export const NODE_METHODS = new Set([
  'node.invoke.result', 'node.event', 'node.pending.drain', 'node.canvas.capability.refresh', 'node.pending.pull',
  'node.pending.ack', 'skills.bins',
  // Sent by `openclaw node run` right after hello-ok.
  'node.runnerInventory.update', 'node.skills.update', 'node.pluginTools.update',
]);

const READ_METHODS = [
  'health', 'doctor.memory.status', 'logs.tail', 'channels.status', 'status', 'usage.status', 'usage.cost', 'tts.status',
  'tts.providers', 'models.list', 'tools.catalog', 'agents.list', 'agent.identity.get', 'skills.status', 'voicewake.get',
  'sessions.list', 'sessions.get', 'sessions.preview', 'sessions.resolve', 'sessions.usage', 'sessions.usage.timeseries',
  'sessions.usage.logs', 'cron.list', 'cron.status', 'cron.runs', 'gateway.identity.get', 'system-presence',
  'last-heartbeat', 'node.list', 'node.describe', 'chat.history', 'config.get', 'config.schema.lookup', 'talk.config',
  'agents.files.list', 'agents.files.get',
];
const WRITE_METHODS = [
  'send', 'poll', 'agent', 'agent.wait', 'wake', 'talk.mode', 'tts.enable', 'tts.disable', 'tts.convert', 'tts.setProvider',
  'voicewake.set', 'node.invoke', 'chat.send', 'chat.abort', 'browser.request', 'push.test', 'node.pending.enqueue',
];
const PAIRING_METHODS = [
  'node.pair.request', 'node.pair.list', 'node.pair.approve', 'node.pair.reject', 'node.pair.verify', 'device.pair.list',
  'device.pair.approve', 'device.pair.reject', 'device.pair.remove', 'device.token.rotate', 'device.token.revoke',
  'node.rename', 'loopgate.device.narrow', 'node.pair.remove', 'device.pair.rename',
];
const APPROVALS_METHODS = [
  'exec.approval.request', 'exec.approval.waitDecision', 'exec.approval.resolve', 'exec.approval.get', 'exec.approval.list',
  'exec.approval.grants.list', 'exec.approval.grants.revoke', 'approval.get', 'approval.resolve', 'plugin.approval.list',
  'openclaw.approval.list', 'loopgate.approvals.list', 'loopgate.approvals.resolve', 'loopgate.approvals.grants',
  'loopgate.approvals.grants.revoke',
];

const METHOD_SCOPE = new Map<string, string>([
  ...READ_METHODS.map((m) => [m, SCOPE.read] as const),
  ...WRITE_METHODS.map((m) => [m, SCOPE.write] as const),
  ...PAIRING_METHODS.map((m) => [m, SCOPE.pairing] as const),
  ...APPROVALS_METHODS.map((m) => [m, SCOPE.approvals] as const),
  ['loopgate.audit.list', SCOPE.pairing],
]);

/** The operator scope a method needs; unclassified methods need operator.admin. */
export function requiredScope(method: string): string {
  return METHOD_SCOPE.get(method) ?? SCOPE.admin;
}

/** Events and the scopes that may receive them (any one of them; admin receives everything). */
export const EVENT_SCOPES: Record<string, readonly string[]> = {
  'device.pair.requested': [SCOPE.pairing],
  'device.pair.resolved': [SCOPE.pairing],
  'loopgate.audit': [SCOPE.pairing],
  'loopgate.store': [SCOPE.pairing],
  'loopgate.devices': [SCOPE.pairing],
  'loopgate.config': [SCOPE.read],
  // Sent only to approval clients that may see the record (electron/approvals/approval-routing.ts).
  'exec.approval.requested': [SCOPE.approvals],
  'exec.approval.resolved': [SCOPE.approvals],
  'loopgate.approval.requested': [SCOPE.admin],
  'loopgate.approval.resolved': [SCOPE.admin],
  'loopgate.approval.grants': [SCOPE.admin],
  'node.pair.requested': [SCOPE.pairing],
  'node.pair.resolved': [SCOPE.pairing],
  presence: [SCOPE.read],
  'node.invoke.request': [],
  tick: [],
  shutdown: [],
};

const nonEmpty = z.string().min(1).max(512);
const scopeList = z.array(z.string().regex(SCOPE_PATTERN, 'must be a scope name (letters, digits, . _ : -)')).max(64);
const role = z.enum(['operator', 'node']);

export const ParamSchemas = {
  'device.pair.list': z.strictObject({}).optional(),
  'device.pair.approve': z.strictObject({ requestId: nonEmpty, scopes: scopeList.optional() }),
  'device.pair.reject': z.strictObject({ requestId: nonEmpty }),
  'device.pair.remove': z.strictObject({ deviceId: nonEmpty }),
  'device.pair.rename': z.strictObject({ deviceId: nonEmpty, label: z.string().min(1).max(64) }),
  'device.token.rotate': z.strictObject({ deviceId: nonEmpty, role: nonEmpty, scopes: scopeList.optional() }),
  'device.token.revoke': z.strictObject({ deviceId: nonEmpty, role: nonEmpty }),
  'loopgate.device.narrow': z.strictObject({ deviceId: nonEmpty, scopes: scopeList, roles: z.array(role).optional() }),
  'loopgate.audit.list': z.strictObject({ limit: z.number().int().min(1).max(10_000).optional(), before: z.number().int().optional() }).optional(),
  'sessions.list': z.object({ limit: z.number().int().min(1).max(10_000).optional() }).optional(),
  'sessions.patch': z.object({
    key: nonEmpty,
    label: z.string().max(256).nullable().optional(),
    model: z.string().max(256).nullable().optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
  }),
  'sessions.delete': z.object({ key: nonEmpty }),
  'config.get': z.object({ path: z.string().optional() }).optional(),
  'config.set': z.strictObject({ path: nonEmpty, value: z.unknown() }),
  'node.describe': z.object({ nodeId: nonEmpty }),
  'node.invoke': z.object({
    nodeId: nonEmpty,
    command: nonEmpty,
    params: z.unknown().optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    idempotencyKey: z.string().optional(),
  }),
  'node.invoke.result': z.object({
    id: nonEmpty,
    nodeId: z.string().optional(),
    ok: z.boolean().optional(),
    payload: z.unknown().optional(),
    payloadJSON: z.string().optional(),
    error: z.unknown().optional(),
  }).passthrough(),
} as const;
