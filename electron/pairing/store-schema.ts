// The pairing store's on-disk format (version 2). Validated on every read: what does not match is never
// trusted, and mutate() validates before writing so the file can always be read back.
import { z } from 'zod';
import type { PairingHistory, ProgramHistory, ReportedClient, TokenSummary, UserLabel } from '../../shared/pairing-types';
import { ProgramRefSchema } from '../attribution/program-schema';

export const STORE_VERSION = 2;

/** A stored token: what device.pair.list shows of it (TokenSummary), plus the secret's hash. */
export interface TokenRecord extends TokenSummary {
  /** SHA-256 hex of the token; the token itself is never stored. */
  hash: string;
  /**
   * Issued by a local approval (or to a local connection holding the gateway token). Only such a token proves
   * that its holder is local: one approved for a remote peer stays remote even when it arrives over a tunnel.
   */
  issuedLocal?: boolean;
}

export interface PairedDevice extends ReportedClient, PairingHistory, ProgramHistory, UserLabel {
  deviceId: string;
  publicKey: string;
  role?: string;
  /** Optional: legacy records carry only `role`/`scopes`. */
  roles?: string[];
  scopes?: string[];
  approvedScopes?: string[];
  /** Keyed by role. */
  tokens: Record<string, TokenRecord>;
}

export interface StoreFileV2 {
  version: 2;
  /** Bumped on every change; with a journal, the generation of the last change folded into this file. */
  generation: number;
  updatedAtMs: number;
  /** Lineage of the journal beside this file (pairing.journal): only that journal's records apply to it. */
  journalId?: string;
  /** Keyed by deviceId. */
  devices: Record<string, PairedDevice>;
}

const timestampMs = z.number().nonnegative(); // zod rejects NaN and ±Infinity
const text = z.string().min(1);

export const TokenRecordSchema: z.ZodType<TokenRecord> = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case SHA-256 hex digest'),
  role: text,
  scopes: z.array(z.string()),
  createdAtMs: timestampMs,
  rotatedAtMs: timestampMs.optional(),
  revokedAtMs: timestampMs.optional(),
  lastUsedAtMs: timestampMs.optional(),
  issuedLocal: z.boolean().optional(),
});

export const PairedDeviceSchema: z.ZodType<PairedDevice> = z
  .object({
    deviceId: text,
    publicKey: text,
    displayName: z.string().optional(),
    /** Added after version 2 shipped; optional, so files written before it still load (and older builds ignore it). */
    operatorLabel: z.string().min(1).max(64).optional(),
    platform: z.string().optional(),
    deviceFamily: z.string().optional(),
    clientId: z.string().optional(),
    clientMode: z.string().optional(),
    role: z.string().optional(),
    roles: z.array(z.string()).optional(),
    scopes: z.array(z.string()).optional(),
    approvedScopes: z.array(z.string()).optional(),
    remoteIp: z.string().optional(),
    approvedVia: z.string().optional(),
    createdAtMs: timestampMs,
    approvedAtMs: timestampMs,
    lastSeenAtMs: timestampMs.optional(),
    lastSeenReason: z.string().optional(),
    approvedFrom: ProgramRefSchema.optional(),
    lastFrom: ProgramRefSchema.optional(),
    tokens: z.record(z.string(), TokenRecordSchema),
  })
  .superRefine((device, ctx) => {
    // Lookups go by key; a token filed under another role would be checked against the wrong role.
    for (const [role, token] of Object.entries(device.tokens)) {
      if (token.role !== role) ctx.addIssue({ code: 'custom', path: ['tokens', role], message: `token role "${token.role}" filed under "${role}"` });
    }
  });

export const StoreFileV2Schema: z.ZodType<StoreFileV2> = z
  .object({
    version: z.literal(STORE_VERSION),
    generation: z.number().int().nonnegative(),
    updatedAtMs: timestampMs,
    journalId: z.string().min(1).optional(),
    devices: z.record(z.string(), PairedDeviceSchema),
  })
  .superRefine((file, ctx) => {
    for (const [id, device] of Object.entries(file.devices)) {
      if (device.deviceId !== id) ctx.addIssue({ code: 'custom', path: ['devices', id], message: `record for "${device.deviceId}" filed under "${id}"` });
    }
  });

export function emptyStoreFile(nowMs: number): StoreFileV2 {
  return { version: STORE_VERSION, generation: 0, updatedAtMs: nowMs, devices: {} };
}
