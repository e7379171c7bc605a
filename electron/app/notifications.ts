// Native notifications for requests that need a person (spec §7), Mattermost style: only what the
// gateway announces via 'request' (it never announces silent approvals), one live Notification per
// request kept in a Map so its events keep firing, withdrawn when the request resolves, coalesced
// into one "N more requests" summary beyond MAX_LIVE. The notification is a prompt; the window is
// the authority — a body click always opens it on the request.
import { Notification, type NotificationAction, type NotificationConstructorOptions } from 'electron';
import type { GatewayHandle } from '../gateway/gateway-handle';
import type { PendingRequestView, PairResolvedEvent } from '../../shared/pairing-types';
import type { NotificationPrefs } from './prefs-migrations';
import { NotificationStack } from './notification-stack';
import { needsReview, notificationBody, notificationTitle } from './request-text';

export const MAX_LIVE = 3;
const GROUP_ID = 'loopgate-requests';

export interface NotifierDeps {
  gateway: Pick<GatewayHandle, 'on' | 'approve' | 'reject'>;
  /** Show the window, focused on this request when given. */
  openWindow(requestId?: string): void;
  settings?: () => NotificationPrefs;
  platform?: NodeJS.Platform;
  iconPath?: string;
  log?: (line: string) => void;
  maxLive?: number;
}

/** Action buttons exist on macOS and Windows only (Electron has none on Linux: electron#24333). */
export function supportsActions(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

export type NotificationKind = 'approve-deny' | 'review' | 'click-only';

export function notificationKind(req: PendingRequestView, platform: NodeJS.Platform): NotificationKind {
  if (!supportsActions(platform)) return 'click-only';
  return needsReview(req) ? 'review' : 'approve-deny';
}

const ACTIONS: Record<NotificationKind, NotificationAction[]> = {
  'approve-deny': [{ type: 'button', text: 'Approve' }, { type: 'button', text: 'Deny' }],
  review: [{ type: 'button', text: 'Review' }],
  'click-only': [],
};

export class RequestNotifier {
  private readonly stack: NotificationStack;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly platform: NodeJS.Platform;
  private readonly log: (line: string) => void;

  constructor(private readonly deps: NotifierDeps) {
    this.platform = deps.platform ?? process.platform;
    this.log = deps.log ?? (() => {});
    this.stack = new NotificationStack({
      maxLive: deps.maxLive ?? MAX_LIVE,
      settings: deps.settings,
      what: 'request',
      log: this.log,
      buildSummary: (count, silent) => this.buildSummary(count, silent),
    });
  }

  start(): this {
    this.unsubscribe.push(
      this.deps.gateway.on('request', (req) => this.onRequest(req)),
      this.deps.gateway.on('resolved', (ev) => this.onResolved(ev)),
    );
    return this;
  }

  dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.stack.dispose();
  }

  /** Request ids with a live notification of their own (for tests and e2e hooks). */
  shownRequestIds(): string[] {
    return this.stack.shownIds();
  }

  summaryCount(): number {
    return this.stack.summaryCount();
  }

  private onRequest(req: PendingRequestView): void {
    // The tray and the window list every request; a notification is only the nudge.
    if (req.silent || !this.stack.canNotify()) return;
    this.stack.add(req.requestId, () => this.build(req));
  }

  private onResolved(ev: PairResolvedEvent): void {
    this.stack.withdraw(ev.requestId);
    this.stack.forgetAct(ev.requestId);
  }

  private build(req: PendingRequestView): Notification {
    const id = req.requestId;
    const kind = notificationKind(req, this.platform);
    const options: NotificationConstructorOptions = {
      id: `loopgate-${id}`,
      groupId: GROUP_ID,
      title: notificationTitle(req),
      body: notificationBody(req),
      silent: !this.stack.settings().sound,
      actions: ACTIONS[kind],
      ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}),
    };
    const n = new Notification(options);
    n.on('click', () => this.deps.openWindow(id));
    n.on('action', (details, legacyIndex) => this.onAction(req, kind, details?.actionIndex ?? legacyIndex));
    return n;
  }

  private onAction(req: PendingRequestView, kind: NotificationKind, index: number | undefined): void {
    const id = req.requestId;
    if (kind === 'review' || kind === 'click-only') {
      this.deps.openWindow(id);
      return;
    }
    if (index !== 0 && index !== 1) return;
    if (!this.stack.actOnce(id)) return;
    const decide = index === 0 ? this.deps.gateway.approve(id) : this.deps.gateway.reject(id);
    decide.catch((err: unknown) => {
      // Superseded or expired meanwhile: the window says what happened.
      this.log(`${index === 0 ? 'approve' : 'deny'} from notification failed for ${id}: ${(err as Error).message ?? err}`);
      this.stack.forgetAct(id);
      this.deps.openWindow(id);
    });
  }

  private buildSummary(count: number, silent: boolean): Notification {
    const n = new Notification({
      id: 'loopgate-more-requests',
      groupId: GROUP_ID,
      title: `Loopgate: ${count} more ${count === 1 ? 'request' : 'requests'}`,
      body: 'More devices are waiting for a pairing decision. Click to review them in Loopgate.',
      silent,
      ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}),
    });
    n.on('click', () => this.deps.openWindow(this.stack.oldestCoalesced()));
    n.on('failed', (_event, error) => this.log(`summary notification failed: ${error}`));
    return n;
  }
}
