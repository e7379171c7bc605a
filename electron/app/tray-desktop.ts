// The tray's desktop items: Start at login (the same state as the window's question and the Settings switch),
// updates (check, progress, Restart to update) and Open logs folder. Pure, like trayMenuTemplate.
import type { MenuItemConstructorOptions } from 'electron';
import type { LoginItemState, UpdateStatus } from '../../shared/ipc-contract';

export interface DesktopMenuState {
  /** null until first read from the system. */
  loginItem: LoginItemState | null;
  update: UpdateStatus;
}

export interface DesktopMenuActions {
  setLoginItem(enabled: boolean): void;
  checkForUpdates(): void;
  restartToUpdate(): void;
  openLogs(): void;
}

function updateItem(u: UpdateStatus, act: DesktopMenuActions): MenuItemConstructorOptions {
  switch (u.phase) {
    case 'ready':
      return { id: 'restart-to-update', label: `Restart to update to ${u.version ?? 'the new version'}`, click: () => act.restartToUpdate() };
    case 'downloading':
      return { id: 'check-updates', label: `Downloading update ${u.version ?? ''}… ${u.progressPercent ?? 0}%`, enabled: false };
    case 'checking':
      return { id: 'check-updates', label: 'Checking for updates…', enabled: false };
    case 'disabled':
      return { id: 'check-updates', label: 'Check for updates (off in this build)', enabled: false };
    case 'error':
      return { id: 'check-updates', label: 'Check for updates (last check failed)', click: () => act.checkForUpdates() };
    default:
      return { id: 'check-updates', label: 'Check for updates', click: () => act.checkForUpdates() };
  }
}

export function desktopMenuItems(state: DesktopMenuState, act: DesktopMenuActions): MenuItemConstructorOptions[] {
  const li = state.loginItem;
  return [
    { type: 'separator' },
    {
      id: 'start-at-login', label: 'Start at login', type: 'checkbox',
      checked: li?.enabled === true, enabled: li?.supported === true,
      click: () => act.setLoginItem(!(li?.enabled === true)),
    },
    updateItem(state.update, act),
    { id: 'open-logs', label: 'Open logs folder', click: () => act.openLogs() },
  ];
}
