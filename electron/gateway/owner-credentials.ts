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
  /** Minted through a gateway-token session: it ends when that token is rotated. */
  derived: boolean;
}

export type Redeemed =
  | { kind: 'link'; session: string; handle: string }
  | { kind: 'session'; handle: string };

export class OwnerCredentials {
  private links = new Map<string, { until: number; derived: boolean }>();
  private sessions = new Map<string, Session>();

  constructor(private now: () => number = Date.now) {}

  /**
   * `derived`: asked for by a holder of the gateway token (e.g. `loopgate dashboard`), directly or through a
   * session that was itself derived. Links the process hands out itself (the window's bridge, the link printed at
   * start, the tray) are not: they never depended on the token.
   */
  issueLink(derived = false): string {
    this.prune();
    const secret = randomBytes(32).toString('base64url');
    this.links.set(digest(secret), { until: this.now() + LINK_TTL_MS, derived });
    return secret;
  }

  isDerived(handle: string | undefined): boolean {
    return handle !== undefined && this.sessions.get(handle)?.derived === true;
  }

  /**
   * The gateway token was rotated: everything it opened ends, links and sessions alike, except `keep` (the
   * session that asked for the rotation, which holds the new token anyway). Returns the sessions ended.
   */
  endDerived(keep?: string): Set<string> {
    const ended = new Set<string>();
    for (const [k, link] of this.links) if (link.derived) this.links.delete(k);
    for (const [k, s] of this.sessions) {
      if (!s.derived || k === keep) continue;
      this.sessions.delete(k);
      ended.add(k);
    }
    return ended;
  }

  /**
   * A link is consumed (one-time) and yields a session; a session is reusable while alive. Each success counts a
   * live socket on the returned handle until release(handle).
   */
  redeem(secret: string): Redeemed | null {
    if (!secret) return null;
    this.prune();
    const key = digest(secret);
    const link = this.links.get(key);
    if (link !== undefined) {
      this.links.delete(key);
      if (link.until < this.now()) return null;
      const session = randomBytes(32).toString('base64url');
      const handle = digest(session);
      this.sessions.set(handle, { live: 1, idleUntil: 0, derived: link.derived });
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

  /** Drops links past their deadline and sessions past their grace (also run by the gateway's slow sweep). */
  prune(): void {
    const now = this.now();
    for (const [k, link] of this.links) if (link.until < now) this.links.delete(k);
    for (const [k, s] of this.sessions) if (s.live === 0 && s.idleUntil < now) this.sessions.delete(k);
  }
}
