// Native notifications for exec approvals (spec §12), built like the pairing ones: one live Notification per
// waiting request (kept in a Map so its events keep firing), coalesced into one "N more commands" summary
// beyond MAX_LIVE, withdrawn as soon as the request is resolved anywhere (window, tray, CLI, another client,
// timeout). A plain command offers Deny and Allow once; a risky one offers only Review, which opens the window.
import { Notification, type NotificationAction, type NotificationConstructorOptions } from 'electron';
import type { ApprovalsHandle } from '../approvals/approvals-handle';
import type { LoopgateApprovalResolvedEvent, LoopgateApprovalView, NodePairPendingView, NodePairResolvedEvent } from '../../shared/exec-approval-types';
import type { NotificationPrefs } from './prefs-migrations';
import { supportsActions } from './notifications';
import { NotificationStack } from './notification-stack';
import { approvalBody, approvalNeedsReview, approvalTitle, nodeCommandsBody, nodeCommandsTitle } from './approval-text';

export const MAX_LIVE_APPROVALS = 3;
const GROUP_ID = 'loopgate-approvals';
const ACTED_KEEP = 256;

export interface ApprovalNotifierDeps {
  approvals: Pick<ApprovalsHandle, 'resolveApproval' | 'on'>;
  /** Show the window's Approvals view on this approval (or this node command request). */
  openApproval(approvalId: string): void;
  settings?: () => NotificationPrefs;
  platform?: NodeJS.Platform;
  iconPath?: string;
  log?: (line: string) => void;
  maxLive?: number;
}

export type ApprovalNotificationKind = 'deny-allow' | 'review' | 'click-only';

export function approvalNotificationKind(a: LoopgateApprovalView, platform: NodeJS.Platform): ApprovalNotificationKind {
  if (!supportsActions(platform)) return 'click-only';
  return approvalNeedsReview(a) ? 'review' : 'deny-allow';
}

// Deny first: the safe answer is the one the OS shows most prominently.
const ACTIONS: Record<ApprovalNotificationKind, NotificationAction[]> = {
  'deny-allow': [{ type: 'button', text: 'Deny' }, { type: 'button', text: 'Allow once' }],
  review: [{ type: 'button', text: 'Review' }],
  'click-only': [],
};

export class ApprovalNotifier {
  private readonly stack: NotificationStack;
  /** Node command requests (by requestId): a click or Review opens the window; never approved from here. */
  private readonly nodeLive = new Map<string, Notification>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly platform: NodeJS.Platform;
  private readonly log: (line: string) => void;

  constructor(private readonly deps: ApprovalNotifierDeps) {
    this.platform = deps.platform ?? process.platform;
    this.log = deps.log ?? (() => {});
    this.stack = new NotificationStack({
      maxLive: deps.maxLive ?? MAX_LIVE_APPROVALS,
      settings: deps.settings,
      what: 'approval',
      log: this.log,
      buildSummary: (count, silent) => this.buildSummary(count, silent),
      // A second delivery of one press can come after the answer has already withdrawn the notification:
      // answered ids are kept past the withdrawal, the oldest dropped.
      actedKeep: ACTED_KEEP,
    });
  }

  start(): this {
    this.unsubscribe.push(
      this.deps.approvals.on('approvalRequested', (a) => this.onRequested(a)),
      this.deps.approvals.on('approvalResolved', (ev) => this.onResolved(ev)),
      this.deps.approvals.on('nodeCommandsRequested', (req) => this.onNodeCommands(req)),
      this.deps.approvals.on('nodeCommandsResolved', (ev) => this.onNodeCommandsResolved(ev)),
    );
    return this;
  }

  dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.stack.dispose();
    for (const n of this.nodeLive.values()) n.close();
    this.nodeLive.clear();
  }

  /** Approval ids with a live notification of their own (tests, e2e hooks). */
  shownApprovalIds(): string[] {
    return this.stack.shownIds();
  }

  summaryCount(): number {
    return this.stack.summaryCount();
  }

  private onRequested(a: LoopgateApprovalView): void {
    // The tray and the window list every request; a notification is only the nudge.
    if (!this.stack.canNotify()) return;
    this.stack.add(a.id, () => this.build(a));
  }

  private onResolved(ev: Pick<LoopgateApprovalResolvedEvent, 'id'>): void {
    this.stack.withdraw(ev.id);
  }

  /** Node command requests: few (one per node), so not coalesced; always decided in the window. */
  private onNodeCommands(req: NodePairPendingView): void {
    if (!this.stack.canNotify()) return;
    this.nodeLive.get(req.requestId)?.close();
    const n = new Notification({
      id: `loopgate-node-commands-${req.requestId}`,
      groupId: GROUP_ID,
      title: nodeCommandsTitle(req),
      body: nodeCommandsBody(req),
      silent: !this.stack.settings().sound,
      actions: supportsActions(this.platform) ? [{ type: 'button', text: 'Review' }] : [],
      ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}),
    });
    const open = () => this.deps.openApproval(req.requestId);
    n.on('click', open);
    n.on('action', open);
    n.on('failed', (_event, error) => {
      this.log(`notification for node commands ${req.requestId} failed: ${error}`);
      if (this.nodeLive.get(req.requestId) === n) this.nodeLive.delete(req.requestId);
    });
    this.nodeLive.set(req.requestId, n);
    n.show();
  }

  private onNodeCommandsResolved(ev: Pick<NodePairResolvedEvent, 'requestId'>): void {
    const n = this.nodeLive.get(ev.requestId);
    if (!n) return;
    this.nodeLive.delete(ev.requestId);
    n.close();
  }

  /** Node command requests with a live notification (tests). */
  shownNodeRequestIds(): string[] {
    return [...this.nodeLive.keys()];
  }

  private build(a: LoopgateApprovalView): Notification {
    const id = a.id;
    const kind = approvalNotificationKind(a, this.platform);
    const options: NotificationConstructorOptions = {
      id: `loopgate-approval-${id}`,
      groupId: GROUP_ID,
      title: approvalTitle(a),
      body: approvalBody(a),
      silent: !this.stack.settings().sound,
      actions: ACTIONS[kind],
      // Stays until answered where the OS allows it (Windows, Linux): a command waits for the user.
      timeoutType: 'never',
      urgency: 'critical',
      ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}),
    };
    const n = new Notification(options);
    n.on('click', () => this.deps.openApproval(id));
    n.on('action', (details, legacyIndex) => this.onAction(id, kind, details?.actionIndex ?? legacyIndex));
    return n;
  }

  private onAction(id: string, kind: ApprovalNotificationKind, index: number | undefined): void {
    if (kind !== 'deny-allow') {
      this.deps.openApproval(id);
      return;
    }
    if (index !== 0 && index !== 1) return;
    if (!this.stack.actOnce(id)) return;
    const decision = index === 0 ? 'deny' : 'allow-once';
    this.deps.approvals.resolveApproval(id, decision).catch((err: unknown) => {
      // Answered elsewhere or timed out meanwhile: the window says what happened.
      this.log(`${decision} from notification failed for ${id}: ${(err as Error).message ?? err}`);
      this.stack.forgetAct(id);
      this.deps.openApproval(id);
    });
  }

  private buildSummary(count: number, silent: boolean): Notification {
    const n = new Notification({
      id: 'loopgate-more-approvals',
      groupId: GROUP_ID,
      title: `Loopgate: ${count} more ${count === 1 ? 'command' : 'commands'} waiting`,
      body: 'Agents are waiting to run more commands. Click to review them in Loopgate.',
      silent,
      ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}),
    });
    n.on('click', () => {
      const first = this.stack.oldestCoalesced();
      if (first !== undefined) this.deps.openApproval(first);
    });
    n.on('failed', (_event, error) => this.log(`approval summary notification failed: ${error}`));
    return n;
  }
}
