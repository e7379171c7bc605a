// Owner credentials for the window: a one-time link credential (the printed dashboard link, or the preload's
// hand-off) is exchanged on first use for a session credential. A session lives while a socket uses it and
// for a short grace after the last one closes (a reload, a blip), then it is gone: nothing outlives the tab
// for long, and nothing is written to disk.
import { createHash, randomBytes } from 'node:crypto';

export const LINK_TTL_MS = 15 * 60_000;
export const SESSION_GRACE_MS = 2 * 60_000;

/** Credentials are looked up by digest: a map hit on a SHA-256 of 256 random bits leaks nothing useful. */
function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

interface Session {
  live: number;
  /** When a session with no live socket stops being accepted. */
  idleUntil: number;
}

export type Redeemed =
  | { kind: 'link'; session: string; handle: string }
  | { kind: 'session'; handle: string };

export class OwnerCredentials {
  private links = new Map<string, number>();
  private sessions = new Map<string, Session>();

  constructor(private now: () => number = Date.now) {}

  issueLink(): string {
    this.prune();
    const secret = randomBytes(32).toString('base64url');
    this.links.set(digest(secret), this.now() + LINK_TTL_MS);
    return secret;
  }

  /**
   * A link is consumed (one-time) and yields a session; a session is reusable while alive. Each success counts a
   * live socket on the returned handle until release(handle).
   */
  redeem(secret: string): Redeemed | null {
    if (!secret) return null;
    this.prune();
    const key = digest(secret);
    const linkUntil = this.links.get(key);
    if (linkUntil !== undefined) {
      this.links.delete(key);
      if (linkUntil < this.now()) return null;
      const session = randomBytes(32).toString('base64url');
      const handle = digest(session);
      this.sessions.set(handle, { live: 1, idleUntil: 0 });
      return { kind: 'link', session, handle };
    }
    const s = this.sessions.get(key);
    if (!s || (s.live === 0 && s.idleUntil < this.now())) return null;
    s.live++;
    return { kind: 'session', handle: key };
  }

  /** A socket that used the session closed; after the last one, the grace period starts. */
  release(handle: string): void {
    const s = this.sessions.get(handle);
    if (!s) return;
    s.live = Math.max(0, s.live - 1);
    if (s.live === 0) s.idleUntil = this.now() + SESSION_GRACE_MS;
  }

  /** Links and sessions held (expired ones go on every issue and redeem). */
  get size(): number {
    return this.links.size + this.sessions.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [k, until] of this.links) if (until < now) this.links.delete(k);
    for (const [k, s] of this.sessions) if (s.live === 0 && s.idleUntil < now) this.sessions.delete(k);
  }
}
