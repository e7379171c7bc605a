// Wire frames of the OpenClaw Gateway protocol and the runtime schemas every inbound frame is checked against.
import { z } from 'zod';
import { SCOPE_PATTERN } from './scopes';

export const PROTOCOL_MIN = 3;
export const PROTOCOL_MAX = 4;

export const MAX_PREAUTH_PAYLOAD_BYTES = 64 * 1024;
/** Advertised in hello-ok.policy (what OpenClaw clients expect to see). */
export const ADVERTISED_MAX_PAYLOAD = 26_214_400;
export const ADVERTISED_MAX_BUFFERED_BYTES = 52_428_800;
export const TICK_INTERVAL_MS = 30_000;
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** client.id values known to OpenClaw clients, plus Loopgate's own window and CLI. */
export const CLIENT_IDS = [
  'webchat-ui', 'openclaw-control-ui', 'webchat', 'cli', 'gateway-client', 'openclaw-macos', 'openclaw-ios',
  'openclaw-android', 'node-host', 'test', 'fingerprint', 'openclaw-probe', 'openclaw-tui',
  'openclaw-browser-copilot', 'openclaw-watchos', 'openclaw-linux', 'openclaw-worker',
  'loopgate-ui', 'loopgate-cli',
] as const;
export const CLIENT_MODES = ['webchat', 'cli', 'ui', 'backend', 'node', 'probe', 'test'] as const;

const nonEmpty = z.string().min(1);

export const RequestFrameSchema = z.strictObject({
  type: z.literal('req'),
  id: nonEmpty,
  method: nonEmpty,
  params: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrameSchema>;

export const ErrorShapeSchema = z.object({
  code: nonEmpty,
  message: nonEmpty,
  details: z.unknown().optional(),
  retryable: z.boolean().optional(),
  retryAfterMs: z.number().int().min(0).optional(),
});

export const ResponseFrameSchema = z.object({
  type: z.literal('res'),
  id: z.string(),
  ok: z.boolean(),
  payload: z.unknown().optional(),
  error: ErrorShapeSchema.optional(),
});
export type ResponseFrame = z.infer<typeof ResponseFrameSchema>;

export const EventFrameSchema = z.object({
  type: z.literal('event'),
  event: nonEmpty,
  payload: z.unknown().optional(),
  seq: z.number().int().min(0).optional(),
  stateVersion: z.object({ presence: z.number().int().optional(), health: z.number().int().optional() }).optional(),
});
export type EventFrame = z.infer<typeof EventFrameSchema>;

export const AnyFrameSchema = z.union([ResponseFrameSchema, EventFrameSchema]);

export const ConnectClientSchema = z.strictObject({
  id: z.enum(CLIENT_IDS),
  version: nonEmpty,
  platform: nonEmpty,
  mode: z.enum(CLIENT_MODES),
  displayName: nonEmpty.optional(),
  deviceFamily: nonEmpty.optional(),
  modelIdentifier: nonEmpty.optional(),
  instanceId: nonEmpty.optional(),
});

export const ConnectDeviceSchema = z.strictObject({
  id: nonEmpty,
  publicKey: nonEmpty,
  signature: nonEmpty,
  signedAt: z.number().int().min(0),
  nonce: nonEmpty,
});

export const ConnectAuthSchema = z.strictObject({
  token: z.string().optional(),
  deviceToken: z.string().optional(),
  password: z.string().optional(),
  bootstrapToken: z.string().optional(),
  approvalRuntimeToken: z.string().optional(),
  agentRuntimeIdentityToken: z.string().optional(),
});

export const ConnectParamsSchema = z.strictObject({
  minProtocol: z.number().int().min(1),
  maxProtocol: z.number().int().min(1),
  client: ConnectClientSchema,
  role: nonEmpty.optional(),
  scopes: z.array(z.string().regex(SCOPE_PATTERN, 'must be a scope name (letters, digits, . _ : -)')).max(64).optional(),
  caps: z.array(z.string()).max(256).optional(),
  commands: z.array(z.string()).max(1024).optional(),
  permissions: z.record(z.string(), z.boolean()).optional(),
  pathEnv: z.string().optional(),
  device: ConnectDeviceSchema.optional(),
  auth: ConnectAuthSchema.optional(),
  locale: z.string().optional(),
  userAgent: z.string().optional(),
});
export type ConnectParams = z.infer<typeof ConnectParamsSchema>;

/**
 * Render schema issues in the words OpenClaw's validator uses (e.g. "at /device: must have required
 * property 'nonce'"), so clients and tests that match on them keep working.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string {
  return issues
    .slice(0, limit)
    .map((issue) => {
      const path = issue.path.map(String);
      let where = path.length ? `/${path.join('/')}` : '';
      let what = issue.message;
      if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
        const key = path.pop();
        where = path.length ? `/${path.join('/')}` : '';
        what = `must have required property '${key ?? ''}'`;
      } else if (issue.code === 'invalid_type') {
        what = `must be ${issue.expected}`;
      } else if (issue.code === 'unrecognized_keys') {
        what = `must NOT have additional properties (${issue.keys.map((k) => `'${k}'`).join(', ')})`;
      } else if (issue.code === 'too_small' && issue.origin === 'string') {
        what = `must NOT have fewer than ${String(issue.minimum)} characters`;
      } else if (issue.code === 'too_small' || issue.code === 'too_big') {
        what = `must be ${issue.code === 'too_small' ? '>=' : '<='} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`;
      } else if (issue.code === 'invalid_value') {
        what = 'must be equal to one of the allowed values';
      }
      return where ? `at ${where}: ${what}` : what;
    })
    .join('; ');
}
