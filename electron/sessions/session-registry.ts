// A small durable session registry (key → label, model, settings): what sessions.list/patch/delete serve.
import { join } from 'node:path';
import { z } from 'zod';
import { invalidRequest } from '../../shared/errors';
import { readJsonDocument, writeJsonDocument } from '../pairing/json-file-store';

const SessionSchema = z.strictObject({
  key: z.string().min(1),
  label: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  createdAtMs: z.number().int(),
  updatedAtMs: z.number().int(),
});
export type SessionEntry = z.infer<typeof SessionSchema>;

const FileSchema = z.strictObject({ version: z.literal(1), sessions: z.record(z.string(), SessionSchema) });

const MAX_SESSIONS = 10_000;

export class SessionRegistry {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string, private sessions: Map<string, SessionEntry>, readonly problem?: string) {}

  static async open(home: string): Promise<SessionRegistry> {
    const path = join(home, 'sessions.json');
    const doc = await readJsonDocument(path, FileSchema);
    if (doc.ok) return new SessionRegistry(path, new Map(Object.entries(doc.value?.sessions ?? {})));
    return new SessionRegistry(path, new Map(), doc.error);
  }

  list(limit = 1000): SessionEntry[] {
    return [...this.sessions.values()].sort((a, b) => b.updatedAtMs - a.updatedAtMs).slice(0, limit);
  }

  /** Writes are serialised so concurrent patches never interleave on disk. */
  private persist(next: Map<string, SessionEntry>): Promise<void> {
    const write = this.queue.then(() => writeJsonDocument(this.path, { version: 1, sessions: Object.fromEntries(next) }));
    this.queue = write.catch(() => {});
    return write;
  }

  async patch(key: string, patch: { label?: string | null; model?: string | null; settings?: Record<string, unknown> }, now = Date.now()): Promise<SessionEntry> {
    const prev = this.sessions.get(key);
    if (!prev && this.sessions.size >= MAX_SESSIONS) throw invalidRequest(`too many sessions (${MAX_SESSIONS}); delete some first`);
    const entry: SessionEntry = {
      key,
      ...(prev ?? { createdAtMs: now }),
      ...(patch.label !== undefined ? { label: patch.label } : {}),
      ...(patch.model !== undefined ? { model: patch.model } : {}),
      ...(patch.settings !== undefined ? { settings: { ...(prev?.settings ?? {}), ...patch.settings } } : {}),
      createdAtMs: prev?.createdAtMs ?? now,
      updatedAtMs: now,
    };
    const next = new Map(this.sessions).set(key, entry);
    await this.persist(next);
    this.sessions = next;
    return entry;
  }

  async delete(key: string): Promise<{ key: string; deleted: boolean }> {
    if (!this.sessions.has(key)) return { key, deleted: false };
    const next = new Map(this.sessions);
    next.delete(key);
    await this.persist(next);
    this.sessions = next;
    return { key, deleted: true };
  }
}
