// The tray's exec approval entries (spec §12): one submenu per waiting command with where it runs and who asked,
// Deny always, Allow once only for a command that is not risky, and Review in the window. Pure, so tests read
// exactly what the user sees.
import type { MenuItemConstructorOptions } from 'electron';
import type { LoopgateApprovalView, LoopgateDecision, NodePairPendingView } from '../../shared/exec-approval-types';
import { cleanReported } from '../../shared/reported-text';
import { addedCommands, approvalNeedsReview, approvalTrayLabel, commandLine, nodeRequestName, nodeText, requesterLine } from './approval-text';

export const MAX_TRAY_APPROVALS = 10;

export interface ApprovalMenuActions {
  resolve(id: string, decision: LoopgateDecision): void;
  open(id: string): void;
}

export function approvalMenuItems(approvals: readonly LoopgateApprovalView[], act: ApprovalMenuActions): MenuItemConstructorOptions[] {
  const n = approvals.length;
  if (n === 0) return [];
  const items: MenuItemConstructorOptions[] = [
    { type: 'separator' },
    { label: `${n} ${n === 1 ? 'command waits' : 'commands wait'} for approval`, enabled: false },
  ];
  for (const a of approvals.slice(0, MAX_TRAY_APPROVALS)) {
    const id = a.id;
    const cwd = cleanReported(a.cwd, 64);
    items.push({
      id: `approval:${id}`,
      label: approvalTrayLabel(a),
      submenu: [
        { label: commandLine(a, 120), enabled: false },
        { label: `On: ${nodeText(a)}${cwd ? ` in ${cwd}` : ''}`, enabled: false },
        { label: `Asked by: ${requesterLine(a)}`, enabled: false },
        { type: 'separator' },
        { id: `approval-deny:${id}`, label: 'Deny', click: () => act.resolve(id, 'deny') },
        // A risky command (a warning, a shell, a file that can change) is answered in the window only.
        ...(approvalNeedsReview(a) ? [] : [{ id: `approval-allow-once:${id}`, label: 'Allow once', click: () => act.resolve(id, 'allow-once') }]),
        { type: 'separator' },
        { id: `approval-review:${id}`, label: 'Review in Loopgate…', click: () => act.open(id) },
      ],
    });
  }
  if (n > MAX_TRAY_APPROVALS) {
    const first = approvals[MAX_TRAY_APPROVALS]!.id;
    items.push({ label: `${n - MAX_TRAY_APPROVALS} more… Open Loopgate`, click: () => act.open(first) });
  }
  return items;
}

/** Nodes whose declared commands wait: decided in the window only (what a node may run is never one click). */
export function nodeRequestMenuItems(requests: readonly NodePairPendingView[], open: (requestId: string) => void): MenuItemConstructorOptions[] {
  if (requests.length === 0) return [];
  const items: MenuItemConstructorOptions[] = [{ type: 'separator' }];
  for (const r of requests.slice(0, MAX_TRAY_APPROVALS)) {
    const n = addedCommands(r).length;
    items.push({
      id: `node-commands:${r.requestId}`,
      label: `${nodeRequestName(r)} ${r.isWidening ? 'declares' : 'asks to run'} ${n} ${n === 1 ? 'command' : 'commands'}: review…`,
      click: () => open(r.requestId),
    });
  }
  return items;
}
