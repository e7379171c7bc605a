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

  get size(): number {
    return this.sessions.size;
  }

  list(limit = 1000): SessionEntry[] {
    return [...this.sessions.values()].sort((a, b) => b.updatedAtMs - a.updatedAtMs).slice(0, limit);
  }

  /** Every change is computed and written inside one queue, so concurrent patches never lose each other. */
  private change<T>(fn: (draft: Map<string, SessionEntry>) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const draft = new Map(this.sessions);
      const result = fn(draft);
      await writeJsonDocument(this.path, { version: 1, sessions: Object.fromEntries(draft) });
      this.sessions = draft;
      return result;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  patch(key: string, patch: { label?: string | null; model?: string | null; settings?: Record<string, unknown> }, now = Date.now()): Promise<SessionEntry> {
    return this.change((draft) => {
      const prev = draft.get(key);
      if (!prev && draft.size >= MAX_SESSIONS) throw invalidRequest(`too many sessions (${MAX_SESSIONS}); delete some first`);
      const entry: SessionEntry = {
        ...prev,
        key,
        ...(patch.label !== undefined ? { label: patch.label } : {}),
        ...(patch.model !== undefined ? { model: patch.model } : {}),
        ...(patch.settings !== undefined ? { settings: { ...(prev?.settings ?? {}), ...patch.settings } } : {}),
        createdAtMs: prev?.createdAtMs ?? now,
        updatedAtMs: now,
      };
      draft.set(key, entry);
      return entry;
    });
  }

  async delete(key: string): Promise<{ key: string; deleted: boolean }> {
    if (!this.sessions.has(key)) return { key, deleted: false };
    return this.change((draft) => ({ key, deleted: draft.delete(key) }));
  }
}
