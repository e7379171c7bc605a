// The update state machine, free of Electron: when to check, what the feed may offer, what Settings and the
// tray show, and what happens on quit. The updater itself is electron-updater's (an AppUpdater), passed in:
// the app builds it with Electron's network stack; the tests build the same class with Node's http against a
// feed on 127.0.0.1.
//
//   disabled                      development builds (and never in the headless gateway, which has no updater)
//   idle → checking → up-to-date  a check at start, then daily
//               ↘ downloading → ready      installs on quit, or now with "Restart to update"
//               ↘ error                    shown with its reason; retried later with a growing delay, never in a loop
import type { UpdateProblem, UpdateStatus } from '../../shared/ipc-contract';
import { describeUpdateError, olderOffer, refuseOffer, type OfferedUpdate, type Refusal } from './feed-checks';

/** The part of electron-updater's AppUpdater the controller drives. */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  on(event: 'download-progress', listener: (p: { percent: number }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  checkForUpdates(): Promise<{ isUpdateAvailable: boolean; updateInfo: OfferedUpdate } | null>;
  downloadUpdate(): Promise<string[]>;
  /** BaseUpdater (Windows, Linux): run the installer synchronously; isForceRunAfter starts the new version. */
  install?(isSilent?: boolean, isForceRunAfter?: boolean): boolean;
  /** MacUpdater: Squirrel installs and relaunches. */
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface UpdateControllerOptions {
  /** null: updates are off (development build); `disabledReason` says why. */
  updater: UpdaterLike | null;
  disabledReason?: string;
  currentVersion: string;
  productName: string;
  log: (line: string) => void;
  now?: () => number;
  timers?: Timers;
  /** First check after start (default 10 s: after the gateway is up, not competing with it). */
  startDelayMs?: number;
  /** Between successful checks (default one day). */
  intervalMs?: number;
  /** After the 1st, 2nd, … consecutive failure (default 15 min, 1 h, 4 h, 12 h; then the interval). */
  backoffMs?: number[];
}

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_BACKOFF_MS = [15 * 60_000, 60 * 60_000, 4 * 60 * 60_000, 12 * 60 * 60_000];

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class UpdateController {
  private state: UpdateStatus;
  private readonly listeners = new Set<(s: UpdateStatus) => void>();
  private inFlight: Promise<UpdateStatus> | null = null;
  private timer: unknown = null;
  private failures = 0;
  private disposed = false;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly intervalMs: number;
  private readonly backoffMs: number[];

  constructor(private readonly opts: UpdateControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.timers = opts.timers ?? defaultTimers;
    this.intervalMs = opts.intervalMs ?? DAY_MS;
    this.backoffMs = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
    const u = opts.updater;
    this.state = u
      ? { phase: 'idle', currentVersion: opts.currentVersion }
      : { phase: 'disabled', currentVersion: opts.currentVersion, message: opts.disabledReason ?? 'Updates are off.' };
    if (u) {
      // We decide what to download (refuseOffer) and when to install (applyOnExit).
      u.autoDownload = false;
      u.autoInstallOnAppQuit = true;
      u.on('download-progress', (p) => {
        if (this.state.phase === 'downloading') this.set({ ...this.state, progressPercent: Math.max(0, Math.min(100, Math.round(p.percent))) });
      });
      // electron-updater also emits what it rejects; the promises below carry the same errors.
      u.on('error', () => {});
    }
  }

  status(): UpdateStatus {
    return { ...this.state };
  }

  onChange(listener: (s: UpdateStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Schedule the first check; later ones follow from each result. */
  start(): this {
    if (this.opts.updater) {
      this.opts.log(`updates: current version ${this.opts.currentVersion}; first check in ${Math.round((this.opts.startDelayMs ?? 10_000) / 1000)} s`);
      this.schedule(this.opts.startDelayMs ?? 10_000);
    } else {
      this.opts.log(`updates: off (${this.state.message})`);
    }
    return this;
  }

  /**
   * Check now (the tray's "Check for updates", Settings, or the timer). A check already running is joined, a
   * download in progress or a ready update is left alone: no second request is ever started in parallel.
   */
  check(): Promise<UpdateStatus> {
    const u = this.opts.updater;
    if (!u || this.disposed) return Promise.resolve(this.status());
    if (this.state.phase === 'downloading' || this.state.phase === 'ready') return Promise.resolve(this.status());
    this.inFlight ??= this.run(u).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /**
   * Called by the app right before it exits, after the gateway has closed. A ready update is installed:
   * silently on quit, or with a relaunch for "Restart to update". Returns whether an install was started.
   */
  applyOnExit(mode: 'quit' | 'restart'): boolean {
    const u = this.opts.updater;
    if (!u || this.state.phase !== 'ready') return false;
    this.opts.log(`updates: installing ${this.state.version} (${mode === 'restart' ? 'restart to update' : 'on quit'})`);
    try {
      if (u.install) return u.install(true, mode === 'restart');
      // macOS: Squirrel installs a downloaded update when the app quits; a restart asks it to relaunch now.
      if (mode === 'restart') u.quitAndInstall();
      return mode === 'restart';
    } catch (err) {
      this.opts.log(`updates: install failed: ${(err as Error)?.message ?? String(err)}`);
      return false;
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private async run(u: UpdaterLike): Promise<UpdateStatus> {
    this.clearTimer();
    this.set({ ...this.base(), phase: 'checking' });
    let result: Awaited<ReturnType<UpdaterLike['checkForUpdates']>>;
    try {
      result = await u.checkForUpdates();
    } catch (err) {
      return this.fail(describeUpdateError(err, 'check'));
    }
    const checkedAt = this.now();
    if (!result) {
      // electron-updater declined (not packaged, not an AppImage): say so and stop asking.
      this.set({ phase: 'disabled', currentVersion: this.opts.currentVersion, lastCheckAtMs: checkedAt, message: 'Updates are not available for this installation.' });
      this.opts.log('updates: the updater is inactive for this installation');
      return this.status();
    }
    const offer = result.updateInfo;
    if (!result.isUpdateAvailable) {
      const older = olderOffer(offer.version, this.opts.currentVersion, this.opts.productName);
      // A refused offer is not a network failure: the next check comes at the normal interval.
      if (older) return this.fail(older, { lastCheckAtMs: checkedAt, backoff: false });
      this.failures = 0;
      this.set({ phase: 'up-to-date', currentVersion: this.opts.currentVersion, lastCheckAtMs: checkedAt, message: `${this.opts.productName} ${this.opts.currentVersion} is up to date.` });
      this.opts.log(`updates: up to date (feed offers ${offer.version})`);
      this.schedule(this.intervalMs);
      return this.status();
    }
    const refused = refuseOffer(offer, this.opts.productName);
    if (refused) return this.fail(refused, { lastCheckAtMs: checkedAt, backoff: false });

    this.set({ phase: 'downloading', currentVersion: this.opts.currentVersion, lastCheckAtMs: checkedAt, version: offer.version, progressPercent: 0, message: `Downloading ${this.opts.productName} ${offer.version}…` });
    this.opts.log(`updates: downloading ${offer.version}`);
    try {
      await u.downloadUpdate();
    } catch (err) {
      return this.fail(describeUpdateError(err, 'download'), { lastCheckAtMs: checkedAt });
    }
    this.failures = 0;
    this.set({
      phase: 'ready', currentVersion: this.opts.currentVersion, lastCheckAtMs: checkedAt, version: offer.version, progressPercent: 100,
      message: `${this.opts.productName} ${offer.version} is ready: it installs when you quit, or now with Restart to update.`,
    });
    this.opts.log(`updates: ${offer.version} downloaded and verified; installs on quit`);
    return this.status();
  }

  private fail(r: Refusal, opts: { lastCheckAtMs?: number; backoff?: boolean } = {}): UpdateStatus {
    const backoff = opts.backoff !== false;
    const delay = backoff ? this.backoffMs[Math.min(this.failures++, this.backoffMs.length - 1)] ?? this.intervalMs : this.intervalMs;
    const wait = Math.min(delay, this.intervalMs);
    this.set({ phase: 'error', currentVersion: this.opts.currentVersion, lastCheckAtMs: opts.lastCheckAtMs ?? this.now(), problem: r.problem as UpdateProblem, message: r.message });
    this.opts.log(`updates: ${r.message} Next check in ${Math.round(wait / 60_000)} min.`);
    this.schedule(wait);
    return this.status();
  }

  private base(): UpdateStatus {
    const { phase: _p, message: _m, problem: _pr, nextCheckAtMs: _n, version: _v, progressPercent: _pp, ...rest } = this.state;
    return { ...rest, phase: this.state.phase };
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    this.clearTimer();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.check();
    }, ms);
    this.set({ ...this.state, nextCheckAtMs: this.now() + ms });
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private set(next: UpdateStatus): void {
    this.state = next;
    const snapshot = this.status();
    for (const l of this.listeners) l(snapshot);
  }
}
