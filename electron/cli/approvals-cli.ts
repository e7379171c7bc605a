// `loopgate approvals …`: list pending exec approvals and decide them from a terminal (Loopgate's own
// loopgate.approvals.* methods; the text shown is the gateway's cleaned command text).
import { LOOPGATE_APPROVAL_METHODS, type ApprovalGrant, type LoopgateApprovalView, type LoopgateDecision, type LoopgateResolveResult } from '../../shared/exec-approval-types';
import type { GatewayRpc } from './gateway-rpc';

export class ApprovalsUsageError extends Error {}

export const APPROVALS_USAGE = `  approvals list [--json]                 pending exec approvals (and active 30-minute grants)
  approvals allow <id> [--for 30m | --always]   allow once (default), for 30 minutes, or always (the node records it)
  approvals deny <id>                     deny
  approvals revoke <grantId>              end a 30-minute grant early`;

function inMinutes(ms: number): string {
  const m = Math.max(0, Math.round((ms - Date.now()) / 60_000));
  return m < 1 ? '<1m' : m < 60 ? `${m}m` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function printApprovals(approvals: LoopgateApprovalView[], grants: ApprovalGrant[]): string {
  const out: string[] = [];
  if (!approvals.length) out.push('No pending exec approvals.');
  else {
    out.push(`Pending (${approvals.length})`);
    out.push(table([['ID', 'Command', 'Node', 'Cwd', 'Agent', 'Asked by', 'Expires', 'Warnings'], ...approvals.map((a) => [
      a.id, shorten(a.commandText), a.nodeName ? `${a.nodeName} (reported)` : a.nodeId?.slice(0, 12) ?? a.host ?? '-', a.cwd ?? '-',
      a.agentId ?? '-', a.requester.label, `in ${inMinutes(a.expiresAtMs)}`, a.risks.join(',') || '-'])]));
    out.push('', 'Full command text:');
    for (const a of approvals) out.push(`${a.id}: ${a.commandText}`);
  }
  if (grants.length) {
    out.push('', `30-minute grants (${grants.length})`);
    out.push(table([['Grant', 'Command', 'Node', 'Cwd', 'Agent', 'Uses', 'Expires'], ...grants.map((g) => [
      g.grantId, shorten(g.commandText), g.nodeName ?? g.nodeId.slice(0, 12), g.cwd ?? '-', g.agentId ?? '-', String(g.useCount), `in ${inMinutes(g.expiresAtMs)}`])]));
  }
  return out.join('\n');
}

function decisionOf(values: { for?: string; always?: boolean }): LoopgateDecision {
  if (values.always && values.for) throw new ApprovalsUsageError('use either --for 30m or --always, not both');
  if (values.always) return 'allow-always';
  if (values.for === undefined) return 'allow-once';
  if (!/^(30m|30min|30)$/.test(values.for)) throw new ApprovalsUsageError(`invalid --for ${values.for} (Loopgate grants last 30 minutes: --for 30m)`);
  return 'allow-for-30-minutes';
}

export async function runApprovals(rpc: GatewayRpc, sub: string | undefined, arg: string | undefined, values: { json?: boolean; for?: string; always?: boolean },
  print: (value: unknown, text: () => string) => void): Promise<void> {
  const needId = (what = 'approval id'): string => {
    if (!arg) throw new ApprovalsUsageError(`missing ${what}`);
    return arg;
  };
  switch (sub) {
    case 'list': {
      const [{ approvals }, { grants }] = await Promise.all([
        rpc.call<{ approvals: LoopgateApprovalView[] }>(LOOPGATE_APPROVAL_METHODS.list, {}),
        rpc.call<{ grants: ApprovalGrant[] }>(LOOPGATE_APPROVAL_METHODS.grants, {}),
      ]);
      return print({ approvals, grants }, () => printApprovals(approvals, grants));
    }
    case 'allow': {
      const id = needId();
      const decision = decisionOf(values);
      const r = await rpc.call<LoopgateResolveResult>(LOOPGATE_APPROVAL_METHODS.resolve, { id, decision });
      const how = decision === 'allow-once' ? 'Allowed once' : decision === 'allow-always' ? 'Always allowed (the node adds it to its allowlist)'
        : `Allowed for 30 minutes (until ${new Date(r.grant!.expiresAtMs).toLocaleTimeString()}; grant ${r.grant!.grantId})`;
      return print(r, () => `${how}: ${r.approval.id} ${r.approval.commandText}`);
    }
    case 'deny': {
      const r = await rpc.call<LoopgateResolveResult>(LOOPGATE_APPROVAL_METHODS.resolve, { id: needId(), decision: 'deny' });
      return print(r, () => `Denied: ${r.approval.id} ${r.approval.commandText}`);
    }
    case 'revoke': {
      const r = await rpc.call<{ grant: ApprovalGrant }>(LOOPGATE_APPROVAL_METHODS.revokeGrant, { grantId: needId('grant id') });
      return print(r, () => `Revoked grant ${r.grant.grantId}: ${r.grant.commandText}`);
    }
    default:
      throw new ApprovalsUsageError(`unknown approvals command: ${sub ?? '(none)'}`);
  }
}
