// The coalescing both notifiers share (pairing requests, exec approvals): one live Notification per id, kept
// in a Map so its events keep firing; beyond maxLive the rest are only counted into one "N more …" summary;
// and a record of what was already answered, because Windows can deliver one press through several paths.
// What a notification says and what its buttons do stays with each notifier.
import { Notification } from 'electron';
import type { NotificationPrefs } from './prefs-migrations';

export interface NotificationStackOptions {
  maxLive: number;
  settings?: () => NotificationPrefs;
  /** Names an id in the log line when its notification fails ("request", "approval"). */
  what: string;
  log: (line: string) => void;
  /** The summary for `count` coalesced ids, wired but not shown. Only the first one may sound. */
  buildSummary(count: number, silent: boolean): Notification;
  /** Answered ids kept at most (the oldest dropped); unbounded when not given. */
  actedKeep?: number;
}

export class NotificationStack {
  private readonly live = new Map<string, Notification>();
  /** Ids counted in the summary instead of shown one by one. */
  private readonly overflow = new Set<string>();
  private summary: { notification: Notification; count: number } | null = null;
  private readonly acted = new Set<string>();

  constructor(private readonly opts: NotificationStackOptions) {}

  settings(): NotificationPrefs {
    return this.opts.settings?.() ?? { enabled: true, sound: true };
  }

  /** Whether a notification may be shown at all right now. */
  canNotify(): boolean {
    return Notification.isSupported() && this.settings().enabled;
  }

  /** Shows `build()` for a new id, or counts the id into the summary when maxLive are already showing. */
  add(id: string, build: () => Notification): void {
    if (this.live.has(id) || this.overflow.has(id)) return;
    if (this.live.size >= this.opts.maxLive) {
      this.overflow.add(id);
      this.refreshSummary();
      return;
    }
    const n = build();
    n.on('failed', (_event, error) => {
      // e.g. unsigned macOS builds, or notifications turned off: the tray and the window still list it,
      // so only free the slot and log.
      this.opts.log(`notification for ${this.opts.what} ${id} failed: ${error}`);
      if (this.live.get(id) === n) this.live.delete(id);
    });
    this.live.set(id, n);
    n.show();
  }

  /** The id was resolved somewhere: withdraw its notification, or take it out of the summary's count. */
  withdraw(id: string): void {
    const n = this.live.get(id);
    if (n) {
      this.live.delete(id);
      n.close();
    }
    if (this.overflow.delete(id)) this.refreshSummary();
  }

  /** True the first time an answer for `id` arrives; false for a repeat delivery of the same press. */
  actOnce(id: string): boolean {
    if (this.acted.has(id)) return false;
    this.acted.add(id);
    if (this.opts.actedKeep !== undefined && this.acted.size > this.opts.actedKeep) this.acted.delete(this.acted.values().next().value!);
    return true;
  }

  /** The answer did not land (or the id is finished): a later press may act again. */
  forgetAct(id: string): void {
    this.acted.delete(id);
  }

  /** The oldest id counted in the summary (what a summary click opens). */
  oldestCoalesced(): string | undefined {
    return this.overflow.values().next().value;
  }

  /** Ids with a live notification of their own (tests, e2e hooks). */
  shownIds(): string[] {
    return [...this.live.keys()];
  }

  summaryCount(): number {
    return this.summary?.count ?? 0;
  }

  dispose(): void {
    for (const n of this.live.values()) n.close();
    this.live.clear();
    this.overflow.clear();
    this.summary?.notification.close();
    this.summary = null;
  }

  private refreshSummary(): void {
    const count = this.overflow.size;
    if (this.summary?.count === count) return;
    const first = this.summary === null;
    this.summary?.notification.close();
    this.summary = null;
    if (count === 0) return;
    // Only the first summary may make a sound; updates to the count stay quiet.
    const n = this.opts.buildSummary(count, !first || !this.settings().sound);
    this.summary = { notification: n, count };
    n.show();
  }
}
