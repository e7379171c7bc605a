// Owner credentials for the window: one-time link credentials (printed link, preload hand-off) that are
// exchanged on first use for a session credential living only in memory for this gateway run.
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';

const LINK_TTL_MS = 24 * 60 * 60_000;

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export class OwnerCredentials {
  private links = new Map<string, number>();
  private sessions = new Set<string>();

  constructor(private now: () => number = Date.now) {}

  issueLink(): string {
    const secret = randomBytes(32).toString('base64url');
    this.links.set(digest(secret).toString('hex'), this.now() + LINK_TTL_MS);
    return secret;
  }

  private has(set: Iterable<string>, secret: string): string | null {
    const d = digest(secret);
    for (const h of set) if (timingSafeEqual(Buffer.from(h, 'hex'), d)) return h;
    return null;
  }

  /** 'link' consumes the one-time credential; 'session' is reusable; null when neither matches. */
  redeem(secret: string): { kind: 'link'; session: string } | { kind: 'session' } | null {
    if (!secret) return null;
    const link = this.has(this.links.keys(), secret);
    if (link) {
      const until = this.links.get(link)!;
      this.links.delete(link);
      if (until < this.now()) return null;
      const session = randomBytes(32).toString('base64url');
      this.sessions.add(digest(session).toString('hex'));
      return { kind: 'link', session };
    }
    return this.has(this.sessions, secret) ? { kind: 'session' } : null;
  }
}
