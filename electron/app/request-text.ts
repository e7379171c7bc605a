// How a pending request reads in the tray and in notifications. Pure (no electron), shared by both.
// Everything a device reports about itself is untrusted: sanitized, truncated, and marked "(reported)".
import { SCOPE, scopesBeyond } from '../../shared/scopes';
import type { PendingRequestView } from '../../shared/pairing-types';
import { attributionLabel, programName, warningText } from '../../shared/attribution';

export const NAME_MAX = 64;

/**
 * A device-reported string made safe for a native label: no control or bidi-override characters
 * (they can reorder or hide text), no markup (Linux notification servers render a subset), at most
 * NAME_MAX characters.
 */
export function sanitizeReported(value: string | undefined | null, max = NAME_MAX): string {
  if (!value) return '';
  const cleaned = value
    .normalize('NFC')
    .replace(/<[^>]*>?/g, ' ') // tags, including an unterminated one at the end
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);?/gi, ' ') // entities
    .replace(/[<>&"'`]/g, ' ')
    // C0/C1 controls, zero-width and bidi controls, line/paragraph separators, BOM
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...cleaned];
  return chars.length > max ? `${chars.slice(0, max - 1).join('').trimEnd()}…` : cleaned;
}

/** Short fingerprint for labels; the gateway computes it, so it is not "reported". */
export function shortFingerprint(fp: string): string {
  return fp.length > 32 ? `${fp.slice(0, 32)}…` : fp;
}

/** "name (reported)", or the fingerprint when the device reported no usable name. */
export function deviceLabel(req: Pick<PendingRequestView, 'displayName' | 'clientId' | 'fingerprint'>): string {
  const name = sanitizeReported(req.displayName) || sanitizeReported(req.clientId);
  return name ? `${name} (reported)` : `device ${shortFingerprint(req.fingerprint)}`;
}

export interface AskSummary {
  /** The role is not held yet (new device or a role change). */
  newRole: boolean;
  /** Scopes asked beyond what is held (implication-aware: admin covers write, write covers read). */
  addedScopes: string[];
  /** "role node", "operator.admin, operator.write", "role operator + operator.read", "new device details" */
  text: string;
}

export function summarizeAsk(req: Pick<PendingRequestView, 'role' | 'scopes' | 'heldRoles' | 'heldScopes'>): AskSummary {
  const newRole = !req.heldRoles.includes(req.role);
  const addedScopes = scopesBeyond(req.role, req.scopes, newRole ? [] : req.heldScopes);
  const parts: string[] = [];
  if (newRole) parts.push(`role ${req.role}`);
  if (addedScopes.length) parts.push(addedScopes.join(', '));
  return { newRole, addedScopes, text: parts.length ? parts.join(' + ') : 'new device details' };
}

export function localityText(req: Pick<PendingRequestView, 'locality' | 'sourceAddress' | 'origin'>): string {
  const addr = sanitizeReported(req.sourceAddress, 64) || 'unknown address';
  if (req.locality === 'local') return `local (${addr})`;
  if (req.locality === 'browser') return `browser page ${sanitizeReported(req.origin, 80) || '(no origin)'} via ${addr}`;
  return `REMOTE ${addr}`;
}

const HIGH_RISK_SCOPES: readonly string[] = [SCOPE.admin, SCOPE.pairing, SCOPE.approvals];

/**
 * Approving from a notification button is a fast path for low-stakes requests only: a role change,
 * anything not local, or a powerful scope must be reviewed in the window (lock screens and
 * notification centers are outside our control).
 */
export function needsReview(req: Pick<PendingRequestView, 'role' | 'reason' | 'heldRoles' | 'locality' | 'scopes' | 'attribution' | 'programChanged'>): boolean {
  if (req.reason === 'role-upgrade' || req.reason === 'metadata-upgrade') return true;
  // A changed program, another user's process or a program in a temp folder is worth a look in the window.
  if (req.programChanged || req.attribution?.sameUser === false || req.attribution?.process?.warning) return true;
  if (!req.heldRoles.includes(req.role)) return true; // a new device, or a role it does not hold yet
  if (req.locality !== 'local') return true;
  return req.scopes.some((s) => HIGH_RISK_SCOPES.includes(s));
}

/**
 * Who is asking, as the OS reported it: "node (claude) · PID 4242". Process names and paths are chosen by
 * whoever started the process, so they are sanitized like reported text (but not marked reported).
 */
export function programLabel(req: Pick<PendingRequestView, 'attribution'>): string | undefined {
  const a = req.attribution;
  if (!a || a.status !== 'found' || !a.process) return undefined;
  return sanitizeReported(attributionLabel(a), 96);
}

/** Lines about the program for a notification body (path, user, warnings, a program change). */
function programLines(req: PendingRequestView): string[] {
  const a = req.attribution;
  if (!a) return [];
  if (a.status !== 'found' || !a.process) return [`Program: ${a.status === 'exited' ? 'exited before it could be identified' : 'unknown'}`];
  const p = a.process;
  const lines = [`Program: ${sanitizeReported(p.exe ?? p.name, 120)}${p.user ? ` (user ${sanitizeReported(p.user)})` : ''}`];
  if (a.sameUser === false) lines.push('Another OS user: not treated as local');
  if (p.warning) lines.push(`Warning: ${warningText(p.warning)}`);
  if (req.programChanged && req.approvedFrom) lines.push(`Program changed: approved from ${sanitizeReported(programName(req.approvedFrom), 96)}`);
  return lines;
}

export function notificationTitle(req: PendingRequestView): string {
  return `Loopgate: ${programLabel(req) ?? deviceLabel(req)} asks for ${summarizeAsk(req).text}`;
}

export function notificationBody(req: PendingRequestView): string {
  const ask = summarizeAsk(req);
  const held = req.heldScopes.length ? req.heldScopes.join(', ') : 'none';
  const lines = [
    `Role: ${req.role}${ask.newRole ? (req.heldRoles.length ? ` (new; holds ${req.heldRoles.join(', ')})` : ' (new device)') : ''}`,
    `Scopes: ${ask.addedScopes.length ? ask.addedScopes.map((s) => `+${s}`).join(' ') : 'no new scopes'} (holds ${held})`,
    `From: ${localityText(req)}`,
    ...(programLabel(req) ? [`Device: ${deviceLabel(req)}`] : []),
    ...programLines(req),
    `Fingerprint: ${req.fingerprint}`,
  ];
  return lines.join('\n');
}

/** The tray submenu label for one request. */
export function trayLabel(req: PendingRequestView): string {
  const what = summarizeAsk(req).text;
  const where = req.locality === 'local' ? '' : ` — ${req.locality}`;
  return `${programLabel(req) ?? deviceLabel(req)} asks for ${what}${where}`;
}
