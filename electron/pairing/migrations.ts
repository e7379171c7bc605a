// Explicit, pure migrations of the pairing store to the current format. Each step turns version N into N + 1;
// a file newer than this build is refused (DOC_TOO_NEW) so an older build never overwrites a newer format.
import { DocumentError, type Migrated } from './json-file-store';
import { STORE_VERSION } from './store-schema';
import { hashToken } from './token-hash';

export type Migration = (raw: unknown) => unknown;

type JsonObject = Record<string, unknown>;

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Version of a parsed store file. Version 1 is OpenClaw's paired.json: a bare `{ "<deviceId>": device }` map
 * with no `version` key. Anything that is not an object (array, null, string…) is corrupt, never "empty".
 */
export function storeVersionOf(raw: unknown): number {
  if (!isPlainObject(raw)) {
    const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw;
    throw new DocumentError('DOC_CORRUPT', `expected a JSON object, found ${kind}`);
  }
  if (!Object.hasOwn(raw, 'version')) return 1;
  const v = raw.version;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 2) throw new DocumentError('DOC_CORRUPT', `invalid version ${JSON.stringify(v)}`);
  if (v > STORE_VERSION) {
    throw new DocumentError('DOC_TOO_NEW', `format version ${v} is newer than this build supports (${STORE_VERSION}); use a newer Loopgate`);
  }
  return v;
}

/** v1 → v2: plaintext tokens become SHA-256 hashes; the map is wrapped with version and generation. */
export function migrateV1ToV2(raw: unknown): unknown {
  if (!isPlainObject(raw)) throw new DocumentError('DOC_CORRUPT', 'version 1 store is not an object');
  const devices: JsonObject = {};
  for (const [id, device] of Object.entries(raw)) {
    if (!isPlainObject(device)) throw new DocumentError('DOC_CORRUPT', `device ${id} is not an object`);
    const tokens: JsonObject = {};
    const oldTokens = device.tokens ?? {}; // early OpenClaw records have no tokens map
    if (!isPlainObject(oldTokens)) throw new DocumentError('DOC_CORRUPT', `device ${id}: tokens is not an object`);
    for (const [role, tok] of Object.entries(oldTokens)) {
      if (!isPlainObject(tok)) throw new DocumentError('DOC_CORRUPT', `device ${id}: token ${role} is not an object`);
      const { token, ...rest } = tok;
      tokens[role] = typeof token === 'string' ? { ...rest, hash: hashToken(token) } : rest;
    }
    devices[id] = { ...device, tokens };
  }
  // updatedAtMs 0 keeps this pure; the store stamps the time when it next writes.
  return { version: 2, generation: 0, updatedAtMs: 0, devices };
}

/** MIGRATIONS[n] turns version n into version n + 1. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = { 1: migrateV1ToV2 };

/** Applies every step from the file's version up to STORE_VERSION. */
export function migrate(raw: unknown): Migrated {
  const fromVersion = storeVersionOf(raw);
  let value = raw;
  for (let v = fromVersion; v < STORE_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new DocumentError('DOC_CORRUPT', `no migration from version ${v}`);
    value = step(value);
  }
  return { value, fromVersion, toVersion: STORE_VERSION };
}

/**
 * The v1 (OpenClaw) file as a backup may keep it: every record as it was, but each plaintext token replaced by
 * its SHA-256, so the backup can still be inspected or matched and holds no usable secret.
 */
export function redactV1Tokens(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [id, rec] of Object.entries(raw as Record<string, unknown>)) {
    const tokens = (rec as { tokens?: Record<string, Record<string, unknown>> } | null)?.tokens;
    if (!tokens || typeof tokens !== 'object') {
      out[id] = rec;
      continue;
    }
    const safe: Record<string, unknown> = {};
    for (const [role, tok] of Object.entries(tokens)) {
      const { token, ...rest } = tok ?? {};
      safe[role] = typeof token === 'string' ? { ...rest, tokenSha256: hashToken(token) } : tok;
    }
    out[id] = { ...(rec as object), tokens: safe };
  }
  return out;
}
