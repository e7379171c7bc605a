// The tray: always there, always with a context menu (Signal: 'click' is not reliable everywhere, and
// a Linux app indicator shows only with a menu). It lists pending requests with Approve / Deny, so
// nothing depends on a notification arriving. The menu is rebuilt and re-attached on every change
// (Linux does not pick up edits to an attached menu).
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { join } from 'node:path';
import type { GatewayHandle } from '../gateway/gateway-handle';
import type { ConfigHealth } from '../../shared/config';
import type { PendingRequestView, StoreHealth } from '../../shared/pairing-types';
import type { NotificationPrefs } from './prefs-migrations';
import { localityText, shortFingerprint, trayLabel, needsReview } from './request-text';
import type { ApprovalsHandle } from '../approvals/approvals-handle';
import type { LoopgateApprovalView, LoopgateDecision, NodePairPendingView } from '../../shared/exec-approval-types';
import { approvalMenuItems, nodeRequestMenuItems } from './approval-menu';
import { desktopMenuItems, type DesktopMenuActions, type DesktopMenuState } from './tray-desktop';

export const MAX_TRAY_REQUESTS = 10;

/** The part of Electron's Tray we use; tests inject their own (Signal's createTrayInstance). */
export interface TrayLike {
  setContextMenu(menu: Menu | null): void;
  setToolTip(text: string): void;
  setTitle(title: string): void;
  setImage(image: NativeImage | string): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
  isDestroyed(): boolean;
}

export type TrayGateway = Pick<GatewayHandle, 'pending' | 'storeHealth' | 'configHealth' | 'pairingPaused' | 'setPairingPaused' | 'approve' | 'reject' | 'on' | 'attachInfo'>;

export interface TrayDeps {
  gateway: TrayGateway;
  openWindow(requestId?: string): void;
  /** Exec approvals (the gateway's `approvals`): listed with Deny, Allow once when not risky, and Review. */
  approvals?: Pick<ApprovalsHandle, 'approvals' | 'resolveApproval' | 'nodeCommandRequests' | 'on'>;
  /** Show the window's Approvals view on one approval. */
  openApproval?(approvalId: string): void;
  quit(): void;
  iconsDir: string;
  platform?: NodeJS.Platform;
  createTray?: (image: NativeImage) => TrayLike;
  /** Notification settings, edited from the tray's "Notifications" submenu. */
  notifications?: { get(): NotificationPrefs; set(value: NotificationPrefs): void };
  /** Start at login, updates, logs (tray-desktop.ts); call rebuild() when their state changes. */
  desktop?: { get(): DesktopMenuState; actions: DesktopMenuActions };
  log?: (line: string) => void;
}

export interface TrayState {
  pending: PendingRequestView[];
  store: StoreHealth;
  /** Settings file unusable: strict settings until the user saves one. */
  config?: ConfigHealth;
  paused: boolean;
  notifications?: NotificationPrefs;
  /** Waiting exec approvals. */
  approvals?: LoopgateApprovalView[];
  /** Attach mode: the OpenClaw gateway relayed, in one sentence (no Pause there: pairing is that gateway's). */
  attached?: { status: string; text: string };
  desktop?: DesktopMenuState;
  /** Nodes whose declared commands wait. */
  nodeRequests?: NodePairPendingView[];
}

export interface TrayActions {
  approve(requestId: string): void;
  deny(requestId: string): void;
  open(requestId?: string): void;
  togglePause(): void;
  setNotifications?(value: NotificationPrefs): void;
  resolveApproval?(approvalId: string, decision: LoopgateDecision): void;
  openApproval?(approvalId: string): void;
  desktop?: DesktopMenuActions;
  quit(): void;
}

export function trayTooltip(pendingCount: number, approvalCount = 0): string {
  const parts = [pendingCount > 0 ? `${pendingCount} pending` : '', approvalCount > 0 ? `${approvalCount} waiting for approval` : ''].filter(Boolean);
  return parts.length > 0 ? `Loopgate — ${parts.join(', ')}` : 'Loopgate';
}

/** The whole menu as a template (pure, so tests read exactly what the user sees). */
export function trayMenuTemplate(state: TrayState, act: TrayActions): MenuItemConstructorOptions[] {
  const n = state.pending.length;
  const items: MenuItemConstructorOptions[] = [
    { label: n > 0 ? trayTooltip(n) : 'Loopgate — no pending requests', enabled: false },
  ];
  if (!state.store.ok) {
    items.push({ label: '⚠ Pairing store quarantined — pairing is closed. Open Loopgate…', click: () => act.open() });
  }
  if (state.config && !state.config.ok) {
    items.push({ id: 'config-problem', label: '⚠ Settings file unreadable — silent approval off, pairing paused. Open Loopgate…', click: () => act.open() });
  }
  if (state.attached) items.push({ label: `${state.attached.status === 'connected' ? '' : '⚠ '}${state.attached.text[0]!.toUpperCase()}${state.attached.text.slice(1)}`, enabled: false });
  if (state.paused) items.push({ label: 'Pairing is paused: new requests are refused', enabled: false });
  if (n > 0) items.push({ type: 'separator' });
  for (const req of state.pending.slice(0, MAX_TRAY_REQUESTS)) {
    const id = req.requestId;
    items.push({
      id: `request:${id}`,
      label: trayLabel(req),
      submenu: [
        { label: `From: ${localityText(req)}`, enabled: false },
        { label: `Fingerprint: ${shortFingerprint(req.fingerprint)}`, enabled: false },
        { type: 'separator' },
        // Risky asks (new devices, roles, remote or browser peers, admin-like scopes) are decided in the window,
        // where the whole diff and fingerprint are shown; the menu offers one-click approval only for the rest.
        ...(needsReview(req) ? [] : [{ id: `approve:${id}`, label: 'Approve', click: () => act.approve(id) }]),
        { id: `deny:${id}`, label: 'Deny', click: () => act.deny(id) },
        { type: 'separator' },
        { id: `review:${id}`, label: 'Review in Loopgate…', click: () => act.open(id) },
      ],
    });
  }
  if (n > MAX_TRAY_REQUESTS) {
    items.push({ label: `${n - MAX_TRAY_REQUESTS} more… Open Loopgate`, click: () => act.open() });
  }
  if (state.approvals && act.resolveApproval && act.openApproval) {
    items.push(...approvalMenuItems(state.approvals, { resolve: act.resolveApproval, open: act.openApproval }));
    items.push(...nodeRequestMenuItems(state.nodeRequests ?? [], act.openApproval));
  }
  items.push(
    { type: 'separator' },
    { id: 'open', label: 'Open Loopgate', click: () => act.open() },
    ...(state.attached ? [] : [{ id: 'pause', label: 'Pause pairing', type: 'checkbox' as const, checked: state.paused, click: () => act.togglePause() }]),
  );
  const n10n = state.notifications;
  if (n10n && act.setNotifications) {
    const set = act.setNotifications;
    items.push({
      label: 'Notifications',
      submenu: [
        { id: 'notifications:enabled', label: 'Show notifications for requests', type: 'checkbox', checked: n10n.enabled, click: () => set({ ...n10n, enabled: !n10n.enabled }) },
        { id: 'notifications:sound', label: 'Play a sound', type: 'checkbox', checked: n10n.sound, enabled: n10n.enabled, click: () => set({ ...n10n, sound: !n10n.sound }) },
      ],
    });
  }
  if (state.desktop && act.desktop) items.push(...desktopMenuItems(state.desktop, act.desktop));
  items.push(
    { type: 'separator' },
    { id: 'quit', label: 'Quit Loopgate', click: () => act.quit() },
  );
  return items;
}

/** Icon file per platform: template images on macOS, a coloured glyph on Windows and Linux panels. */
export function trayIconFile(platform: NodeJS.Platform, pending: boolean): string {
  if (platform === 'darwin') return pending ? 'trayPendingTemplate.png' : 'trayTemplate.png';
  return pending ? 'trayPending.png' : 'tray.png';
}

export class LoopgateTray {
  private tray: TrayLike | null = null;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly platform: NodeJS.Platform;
  private readonly log: (line: string) => void;
  private lastTemplate: MenuItemConstructorOptions[] = [];
  private lastPendingIcon: boolean | null = null;

  constructor(private readonly deps: TrayDeps) {
    this.platform = deps.platform ?? process.platform;
    this.log = deps.log ?? (() => {});
  }

  start(): this {
    const create = this.deps.createTray ?? ((image: NativeImage) => new Tray(image));
    this.tray = create(this.icon(false));
    this.lastPendingIcon = false;
    // Windows: a left click opens the window; elsewhere the click opens the menu (or is unreliable).
    if (this.platform === 'win32') this.tray.on('click', () => this.deps.openWindow());
    this.unsubscribe.push(
      this.deps.gateway.on('pending', () => this.rebuild()),
      this.deps.gateway.on('store', () => this.rebuild()),
      // Pause set from the window or the CLI arrives as a settings change.
      this.deps.gateway.on('config', () => this.rebuild()),
      ...(this.deps.approvals ? [
        this.deps.approvals.on('approvals', () => this.rebuild()),
        this.deps.approvals.on('nodeCommandsRequested', () => this.rebuild()),
        this.deps.approvals.on('nodeCommandsResolved', () => this.rebuild()),
      ] : []),
      this.deps.gateway.on('attach', () => this.rebuild()),
    );
    this.rebuild();
    return this;
  }

  /** The template of the menu currently attached (tests, e2e hooks). */
  get template(): MenuItemConstructorOptions[] {
    return this.lastTemplate;
  }

  rebuild(): void {
    const tray = this.tray;
    if (!tray || tray.isDestroyed()) return;
    const g = this.deps.gateway;
    const n10n = this.deps.notifications;
    const ap = this.deps.approvals;
    const attach = g.attachInfo?.();
    const desktop = this.deps.desktop;
    const state: TrayState = {
      pending: g.pending(), store: g.storeHealth(), config: g.configHealth(), paused: g.pairingPaused(),
      ...(n10n ? { notifications: n10n.get() } : {}),
      ...(ap ? { approvals: ap.approvals(), nodeRequests: ap.nodeCommandRequests() } : {}),
      ...(attach ? { attached: { status: attach.status, text: attach.text } } : {}),
      ...(desktop ? { desktop: desktop.get() } : {}),
    };
    this.lastTemplate = trayMenuTemplate(state, {
      approve: (id) => this.decide('approve', id),
      deny: (id) => this.decide('reject', id),
      open: (id) => this.deps.openWindow(id),
      togglePause: () => this.togglePause(),
      ...(n10n ? { setNotifications: (v: NotificationPrefs) => { n10n.set(v); this.rebuild(); } } : {}),
      ...(ap ? { resolveApproval: (id: string, d: LoopgateDecision) => this.resolveApproval(id, d), openApproval: (id: string) => this.openApproval(id) } : {}),
      ...(desktop ? { desktop: desktop.actions } : {}),
      quit: () => this.deps.quit(),
    });
    tray.setContextMenu(Menu.buildFromTemplate(this.lastTemplate));
    const n = state.pending.length;
    const waiting = (state.approvals?.length ?? 0) + (state.nodeRequests?.length ?? 0);
    tray.setToolTip(trayTooltip(n, waiting));
    // macOS shows the title beside the icon: just the count, nothing when idle.
    if (this.platform === 'darwin') tray.setTitle(n + waiting > 0 ? String(n + waiting) : '');
    const attention = n + waiting > 0 || !state.store.ok || state.config?.ok === false;
    if (attention !== this.lastPendingIcon) {
      tray.setImage(this.icon(attention));
      this.lastPendingIcon = attention;
    }
  }

  destroy(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    // Guard against the double destroy of electron#32581.
    if (this.tray && !this.tray.isDestroyed()) this.tray.destroy();
    this.tray = null;
  }

  private icon(pending: boolean): NativeImage {
    const image = nativeImage.createFromPath(join(this.deps.iconsDir, trayIconFile(this.platform, pending)));
    if (this.platform === 'darwin') image.setTemplateImage(true);
    return image;
  }

  private decide(kind: 'approve' | 'reject', requestId: string): void {
    this.deps.gateway[kind](requestId).catch((err: unknown) => {
      // Superseded or expired in the meantime: show the window, which explains the current state.
      this.log(`${kind} from tray failed for ${requestId}: ${(err as Error).message ?? err}`);
      this.deps.openWindow(requestId);
    });
  }

  private openApproval(id: string): void {
    if (this.deps.openApproval) this.deps.openApproval(id);
    else this.deps.openWindow();
  }

  private resolveApproval(id: string, decision: LoopgateDecision): void {
    this.deps.approvals?.resolveApproval(id, decision).catch((err: unknown) => {
      // Answered elsewhere or timed out meanwhile: the window explains the current state.
      this.log(`${decision} from tray failed for approval ${id}: ${(err as Error).message ?? err}`);
      this.openApproval(id);
    });
  }

  private togglePause(): void {
    const next = !this.deps.gateway.pairingPaused();
    this.deps.gateway
      .setPairingPaused(next)
      .catch((err: unknown) => this.log(`could not ${next ? 'pause' : 'resume'} pairing: ${(err as Error).message ?? err}`))
      .finally(() => this.rebuild());
  }
}
