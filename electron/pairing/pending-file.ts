// Requests waiting for the user, kept on disk (pending.json beside the store) so a restart or an update
// resolves nothing silently: they come back with their ids and original expiry. Small (the queue is capped),
// written whole and atomically after each change, writes coalesced so a burst costs one or two.
import path from 'node:path';
import { z } from 'zod';
import type { PendingRequestView } from '../../shared/pairing-types';
import { cleanupOrphanTmp } from './atomic-file';
import { quarantineFile, readJsonDocument, writeJsonDocument } from './json-file-store';

const FILE = 'pending.json';
const VERSION = 1;

const ms = z.number().nonnegative();
const strings = z.array(z.string());

/** What is needed to show and decide a request; fields added by newer builds ride along unchanged. */
const PendingRequestSchema = z
  .object({
    requestId: z.string().min(1), deviceId: z.string().min(1), publicKey: z.string().min(1), fingerprint: z.string(),
    role: z.string().min(1), roles: strings, scopes: strings, silent: z.boolean(), isRepair: z.boolean(), ts: ms,
    reason: z.string(), locality: z.enum(['local', 'browser', 'remote']), sourceAddress: z.string(),
    heldRoles: strings, heldScopes: strings, grant: z.object({ roles: strings, scopes: strings }), createdAtMs: ms, expiresAtMs: ms,
    remoteIp: z.string().optional(), origin: z.string().optional(), displayName: z.string().optional(),
    platform: z.string().optional(), deviceFamily: z.string().optional(), clientId: z.string().optional(), clientMode: z.string().optional(),
  })
  .passthrough();

const PendingFileSchema = z.object({ version: z.literal(VERSION), requests: z.array(PendingRequestSchema) });

export class PendingFile {
  private writing: Promise<void> | undefined;
  private next: PendingRequestView[] | undefined;
  private lastText = '';

  private constructor(
    readonly filePath: string,
    /** What was waiting when the previous run ended. */
    readonly restored: PendingRequestView[],
    /** Why the previous list could not be read (it was moved aside); the requests in it will be asked again. */
    readonly problem: string | undefined,
  ) {}

  static async open(dir: string): Promise<PendingFile> {
    const filePath = path.join(dir, FILE);
    await cleanupOrphanTmp(dir, FILE); // a write cut short by a kill
    const res = await readJsonDocument(filePath, PendingFileSchema);
    if (res.ok) return new PendingFile(filePath, (res.value?.requests ?? []) as PendingRequestView[], undefined);
    // Not approvals: nothing to fail closed for. A list we cannot trust is moved aside and starts empty.
    if (res.code !== 'DOC_CORRUPT') await quarantineFile(filePath, Date.now()).catch(() => undefined);
    return new PendingFile(filePath, [], res.error);
  }

  /** Records the current queue; resolves when it (or a later one) is on disk. Never rejects. */
  save(requests: PendingRequestView[]): Promise<void> {
    this.next = requests;
    // `finally` runs after the assignment even when drain has nothing to write and returns at once.
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Waits for writes in flight. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const requests = this.next;
      this.next = undefined;
      const doc = { version: VERSION, requests };
      const text = JSON.stringify(doc);
      if (text === this.lastText) continue;
      try {
        await writeJsonDocument(this.filePath, doc);
        this.lastText = text;
      } catch {
        // disk full: the queue still works in memory; the next change tries again
      }
    }
  }
}
