// Start at login, the one state the window's first-run question, the tray toggle and the Settings switch all
// show. Off until the user turns it on. The state is read back from the system each time (the XDG entry on
// Linux, the OS login items on macOS and Windows), so a change made outside Loopgate shows up; what is kept in
// preferences is only whether the first-run question was answered. Failures never throw out of here: they come
// back as a `problem` to show, and go to the log.
import type { LoginItemState } from '../../shared/ipc-contract';

/** Where the state really lives: one per platform (autostart-linux.ts; electron/app/login-item.ts). */
export interface LoginItemBackend {
  read(): Promise<{ enabled: boolean; problem?: string; location?: string }>;
  /** Throws with a message fit for the user when the system refuses. */
  write(enabled: boolean): Promise<void>;
}

export interface LoginItemControllerDeps {
  backend: LoginItemBackend | null;
  /** Whether the first-run question was answered (kept in preferences). */
  asked: { get(): boolean; set(value: boolean): void };
  log?: (line: string) => void;
}

export class LoginItemController {
  private readonly listeners = new Set<(state: LoginItemState) => void>();
  private last: LoginItemState | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: LoginItemControllerDeps) {}

  /** The current state, read from the system. */
  get(): Promise<LoginItemState> {
    return this.serial(() => this.read());
  }

  /** The last state read (for menus built synchronously); null before the first read. */
  peek(): LoginItemState | null {
    return this.last;
  }

  /** Turn start at login on or off; answering the first-run question counts as asked either way. */
  set(enabled: boolean): Promise<LoginItemState> {
    return this.serial(async () => {
      this.deps.asked.set(true);
      const backend = this.deps.backend;
      if (!backend) return this.read();
      let problem: string | undefined;
      try {
        await backend.write(enabled);
        this.deps.log?.(`start at login turned ${enabled ? 'on' : 'off'}`);
      } catch (err) {
        problem = (err as Error)?.message ?? String(err);
        this.deps.log?.(`start at login could not be turned ${enabled ? 'on' : 'off'}: ${problem}`);
      }
      const state = await this.read();
      // The write's own failure explains more than whatever the read-back says.
      return problem ? this.publish({ ...state, problem }) : state;
    });
  }

  onChange(listener: (state: LoginItemState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async read(): Promise<LoginItemState> {
    const backend = this.deps.backend;
    const asked = this.deps.asked.get();
    if (!backend) return this.publish({ enabled: false, supported: false, asked, problem: 'Start at login is not available on this system.' });
    try {
      const r = await backend.read();
      return this.publish({ enabled: r.enabled, supported: true, asked, ...(r.location ? { location: r.location } : {}), ...(r.problem ? { problem: r.problem } : {}) });
    } catch (err) {
      const problem = `Cannot read the start-at-login setting: ${(err as Error)?.message ?? String(err)}`;
      this.deps.log?.(problem);
      return this.publish({ enabled: false, supported: true, asked, problem });
    }
  }

  private publish(state: LoginItemState): LoginItemState {
    const changed = JSON.stringify(state) !== JSON.stringify(this.last);
    this.last = state;
    if (changed) for (const l of this.listeners) l(state);
    return state;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
