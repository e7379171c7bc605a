// What a notification and the tray say about an exec approval: the command on one line (hidden characters as
// visible escapes, cut to fit), where it runs and who asked. Names a client reports are marked as reported.
import { displayCommand, needsReviewInWindow } from '../../shared/exec-approval-display';
import type { LoopgateApprovalView, NodePairPendingView } from '../../shared/exec-approval-types';
import { cleanReported } from '../../shared/reported-text';

export const NOTIFICATION_COMMAND_MAX = 180;
export const TRAY_COMMAND_MAX = 60;

/** The command as one line, at most `max` characters. */
export function commandLine(a: Pick<LoopgateApprovalView, 'commandText' | 'commandPreview'>, max: number): string {
  // Escapes make the text longer than what was cut: bound what is shown, not what was read.
  const text = displayCommand(a.commandPreview || a.commandText, [], max).text;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function nodeText(a: Pick<LoopgateApprovalView, 'nodeName' | 'nodeId' | 'host'>): string {
  const name = cleanReported(a.nodeName, 48);
  if (name) return `${name} (reported)`;
  if (a.nodeId) return `node ${a.nodeId.slice(0, 12)}`;
  return a.host === 'gateway' ? 'this machine' : cleanReported(a.host, 32) ?? 'unknown node';
}

export function requesterLine(a: Pick<LoopgateApprovalView, 'requester'>): string {
  const r = a.requester;
  if (!r) return 'unknown';
  return cleanReported(r.label, 96) ?? cleanReported(r.clientId, 48) ?? r.kind;
}

/** Risky commands are never one click from a notification or the tray: they are reviewed in the window. */
export function approvalNeedsReview(a: LoopgateApprovalView): boolean {
  return needsReviewInWindow(a) || !(a.allowedDecisions ?? []).includes('allow-once');
}

export function approvalTitle(a: LoopgateApprovalView): string {
  return `Loopgate: allow a command on ${nodeText(a)}?`;
}

export function approvalBody(a: LoopgateApprovalView): string {
  const lines = [commandLine(a, NOTIFICATION_COMMAND_MAX)];
  const cwd = cleanReported(a.cwd, 96);
  if (cwd) lines.push(`In: ${cwd}`);
  const agent = cleanReported(a.agentId, 48);
  lines.push(`Asked by: ${requesterLine(a)}${agent ? ` for agent ${agent}` : ''}`);
  if (needsReviewInWindow(a)) lines.push('Needs a careful look: review it in Loopgate.');
  return lines.join('\n');
}

export function approvalTrayLabel(a: LoopgateApprovalView): string {
  return `${needsReviewInWindow(a) ? '⚠ ' : ''}Run ${commandLine(a, TRAY_COMMAND_MAX)}`;
}

/** A node's name as it reported it, or its short id. */
export function nodeRequestName(req: Pick<NodePairPendingView, 'displayName' | 'nodeId'>): string {
  const name = cleanReported(req.displayName, 48);
  return name ? `${name} (reported)` : `node ${req.nodeId.slice(0, 12)}`;
}

/** The commands a request adds (a widening lists only what is new). */
export function addedCommands(req: Pick<NodePairPendingView, 'commands' | 'approvedCommands'>): string[] {
  const held = new Set(req.approvedCommands ?? []);
  return (req.commands ?? []).filter((c) => !held.has(c)).map((c) => cleanReported(c, 64)).filter((c): c is string => Boolean(c));
}

export function nodeCommandsTitle(req: NodePairPendingView): string {
  return `Loopgate: ${nodeRequestName(req)} ${req.isWidening ? 'declares more commands' : 'wants to run commands for agents'}`;
}

export function nodeCommandsBody(req: NodePairPendingView): string {
  const added = addedCommands(req);
  const shownList = added.slice(0, 6).join(', ') + (added.length > 6 ? `, and ${added.length - 6} more` : '');
  const from = req.locality === 'local' ? 'this machine' : cleanReported(req.remoteIp, 64) ?? req.locality;
  return [`Commands: ${shownList || 'none'}`, `From: ${from}`, 'Nothing is relayed to it until you approve, in Loopgate.'].join('\n');
}
