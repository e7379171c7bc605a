// "Allow for 30 minutes": none of OpenClaw's decisions covers it, so the gateway holds the grant and answers
// matching requests itself (same argv, cwd, node and agent) until it expires or the user revokes it. Held in
// memory only: a restart ends every grant, which is the safe direction.
import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../shared/errors';
import { GRANT_DURATION_MS, type ApprovalGrant } from '../../shared/exec-approval-types';

export interface GrantKey {
  nodeId: string;
  argv: readonly string[];
  cwd: string | null;
  agentId: string | null;
}

const MAX_GRANTS = 500;

function keyOf(k: GrantKey): string {
  return JSON.stringify([k.nodeId, k.argv, k.cwd ?? null, k.agentId ?? null]);
}

export class ApprovalGrants {
  private readonly grants = new Map<string, ApprovalGrant>();

  constructor(private readonly now: () => number = Date.now, private readonly onChange: () => void = () => {}) {}

  private prune(): void {
    const now = this.now();
    let changed = false;
    for (const [id, g] of this.grants) {
      if (g.expiresAtMs <= now) {
        this.grants.delete(id);
        changed = true;
      }
    }
    if (changed) this.onChange();
  }

  /** Unexpired grants, soonest to expire first. */
  list(): ApprovalGrant[] {
    this.prune();
    return [...this.grants.values()].sort((a, b) => a.expiresAtMs - b.expiresAtMs);
  }

  add(key: GrantKey, init: { approvalId: string; commandText: string; grantedBy: string; nodeName?: string }): ApprovalGrant {
    this.prune();
    // A second grant for the same command replaces the first rather than stacking.
    const k = keyOf(key);
    for (const [id, g] of this.grants) if (keyOf(g) === k) this.grants.delete(id);
    if (this.grants.size >= MAX_GRANTS) this.grants.delete(this.list()[0]!.grantId);
    const now = this.now();
    const grant: ApprovalGrant = {
      grantId: randomUUID(), approvalId: init.approvalId, nodeId: key.nodeId, ...(init.nodeName ? { nodeName: init.nodeName } : {}),
      agentId: key.agentId ?? null, cwd: key.cwd ?? null, argv: [...key.argv], commandText: init.commandText,
      createdAtMs: now, expiresAtMs: now + GRANT_DURATION_MS, grantedBy: init.grantedBy, useCount: 0,
    };
    this.grants.set(grant.grantId, grant);
    this.onChange();
    return grant;
  }

  /** The unexpired grant covering exactly this command, if any. */
  match(key: GrantKey): ApprovalGrant | undefined {
    const now = this.now();
    const k = keyOf(key);
    for (const g of this.grants.values()) if (g.expiresAtMs > now && keyOf(g) === k) return g;
    return undefined;
  }

  use(grant: ApprovalGrant): void {
    grant.useCount++;
    grant.lastUsedAtMs = this.now();
    this.onChange();
  }

  revoke(grantId: string): ApprovalGrant {
    this.prune();
    const g = this.grants.get(grantId);
    if (!g) throw invalidRequest('unknown or expired grant id', { reason: 'GRANT_NOT_FOUND', grantId });
    this.grants.delete(grantId);
    this.onChange();
    return g;
  }
}
