// Gateway settings (policy, port, limits): one versioned document, edited over config.get / config.set.
import { z } from 'zod';

/** OpenClaw's limit: node results (screenshots, files, long output) must fit. */
export const DEFAULT_MAX_PAYLOAD = 26_214_400;
export const MAX_PAYLOAD_CEILING = 64 * 1024 * 1024;

export const GatewayConfigSchema = z.strictObject({
  version: z.literal(1),
  port: z.number().int().min(0).max(65535),
  silentApproval: z.strictObject({
    enabled: z.boolean(),
    /** null: no cap; otherwise silent approval may grant only these scopes (with implication). */
    ceiling: z.array(z.string().min(1)).nullable(),
  }),
  /** Refuse every new pairing request (tray "Pause pairing"). */
  pairingPaused: z.boolean(),
  /** A device coming back from another program than it was approved from is asked about, not approved silently. */
  programPinning: z.boolean().default(true),
  limits: z.strictObject({
    pendingMax: z.number().int().min(1).max(1000),
    pendingPerAddress: z.number().int().min(1).max(1000),
    pendingTtlMs: z.number().int().min(1000).max(3_600_000),
    denyCooldownMs: z.number().int().min(0).max(86_400_000),
    /** Largest frame after auth (advertised in hello-ok.policy.maxPayload); OpenClaw's is 25 MiB. */
    maxPayloadBytes: z.number().int().min(1024).max(MAX_PAYLOAD_CEILING),
  }),
  /** Exec approvals; absent in files written before they existed (the defaults apply). */
  approvals: z.strictObject({
    /** How long a request waits for the user before it is denied (OpenClaw's default: 30 minutes). */
    timeoutMs: z.number().int().min(1000).max(86_400_000),
  }).optional(),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export const DEFAULT_PORT = 18789;

export function defaultConfig(): GatewayConfig {
  return {
    version: 1,
    port: DEFAULT_PORT,
    silentApproval: { enabled: true, ceiling: null },
    pairingPaused: false,
    programPinning: true,
    limits: { pendingMax: 32, pendingPerAddress: 4, pendingTtlMs: 300_000, denyCooldownMs: 30_000, maxPayloadBytes: DEFAULT_MAX_PAYLOAD },
    approvals: { timeoutMs: 1_800_000 },
  };
}

/**
 * The settings file's state. Not ok: it could not be used (corrupt, unsafe, or moved aside earlier) and the
 * gateway runs on strictSettings() until the user saves a setting, which writes a fresh file.
 */
export interface ConfigHealth {
  ok: boolean;
  error?: string;
  quarantinedTo?: string;
}

/** What a gateway whose settings file is unusable runs on: silent approval off and pairing paused. */
export function strictConfig(): GatewayConfig {
  return { ...defaultConfig(), silentApproval: { enabled: false, ceiling: null }, pairingPaused: true };
}

/** Paths config.set accepts; each is validated by re-checking the whole document. */
export const CONFIG_PATHS = [
  'port', 'silentApproval.enabled', 'silentApproval.ceiling', 'pairingPaused', 'programPinning',
  'limits.pendingMax', 'limits.pendingPerAddress', 'limits.pendingTtlMs', 'limits.denyCooldownMs', 'limits.maxPayloadBytes',
  'approvals.timeoutMs',
] as const;

/** A copy of `config` with `path` set to `value`, or an error message naming what is wrong. */
export function setConfigPath(config: GatewayConfig, path: string, value: unknown): { ok: true; config: GatewayConfig } | { ok: false; error: string } {
  if (!(CONFIG_PATHS as readonly string[]).includes(path)) return { ok: false, error: `unknown config path: ${path} (known: ${CONFIG_PATHS.join(', ')})` };
  const next = structuredClone(config) as unknown as Record<string, unknown>;
  const parts = path.split('.');
  let node = next;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]!] = value;
  const parsed = GatewayConfigSchema.safeParse(next);
  if (!parsed.success) return { ok: false, error: `invalid value for ${path}: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
  return { ok: true, config: parsed.data };
}
