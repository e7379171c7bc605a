// Roles, operator scopes and the implication rules that every check (pairing, tokens, methods, events) shares.

export const ROLES = ['operator', 'node'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPE = {
  read: 'operator.read',
  write: 'operator.write',
  admin: 'operator.admin',
  approvals: 'operator.approvals',
  pairing: 'operator.pairing',
} as const;

export const OPERATOR_SCOPES: readonly string[] = Object.values(SCOPE);

/**
 * What a scope looks like (operator.read, operator.talk.secrets, system.run): anything else is refused at the
 * door, so a scope can never carry a line break or look-alike text into a prompt the user reads.
 */
export const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Trim, drop empties, dedupe and sort: the canonical form stored and compared everywhere. */
export function normalizeScopes(scopes: readonly string[] | undefined | null): string[] {
  if (!scopes) return [];
  const set = new Set<string>();
  for (const s of scopes) {
    const t = s.trim();
    if (t) set.add(t);
  }
  return [...set].sort();
}

/** Does holding `allowed` satisfy one requested scope for this role? */
export function scopeAllows(role: string, requested: string, allowed: ReadonlySet<string>): boolean {
  if (role !== 'operator') return allowed.has(requested);
  if (!requested.startsWith('operator.')) return false;
  if (allowed.has(SCOPE.admin) || allowed.has(requested)) return true;
  return requested === SCOPE.read && allowed.has(SCOPE.write);
}

/**
 * Every requested scope is satisfied by `allowed` (admin ⇒ every operator.*, write ⇒ read).
 * Empty requested ⇒ allowed; non-empty requested with empty allowed ⇒ denied.
 */
export function roleScopesAllow(role: string, requested: readonly string[], allowed: readonly string[]): boolean {
  const req = normalizeScopes(requested);
  if (req.length === 0) return true;
  const allow = new Set(normalizeScopes(allowed));
  if (allow.size === 0) return false;
  return req.every((s) => scopeAllows(role, s, allow));
}

/** The requested scopes that `held` does not already cover: what a request asks beyond what is approved. */
export function scopesBeyond(role: string, requested: readonly string[], held: readonly string[]): string[] {
  const allow = new Set(normalizeScopes(held));
  return normalizeScopes(requested).filter((s) => !scopeAllows(role, s, allow));
}

/** Scopes in `requested` that the approver may grant (GHSA-hf68: an approver never grants more than it holds). */
export function scopesWithin(requested: readonly string[], approverScopes: readonly string[]): { granted: string[]; refused: string[] } {
  const allow = new Set(normalizeScopes(approverScopes));
  const granted: string[] = [];
  const refused: string[] = [];
  for (const s of normalizeScopes(requested)) (scopeAllows('operator', s, allow) ? granted : refused).push(s);
  return { granted, refused };
}

export function unionScopes(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  return normalizeScopes(lists.flatMap((l) => l ?? []));
}
