// Process-wide hardening (Electron security checklist #5, #11–#14): no permissions, no navigation,
// no new windows, no <webview>. Applied to every webContents ever created, not just ours.
import type { App, Session, WebContents } from 'electron';
import { APP_ORIGIN, originOf } from './app-origin';

// The one exception to deny-all: the window opens a WebSocket to the loopback gateway, which
// Chromium's Local Network Access may gate behind these permissions. Granted only to our origin.
const LOOPBACK_PERMISSIONS = new Set(['loopback-network', 'local-network-access', 'local-network']);

function ownOrigin(origin: string | undefined): boolean {
  return origin === APP_ORIGIN || origin === `${APP_ORIGIN}/`;
}

export function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(LOOPBACK_PERMISSIONS.has(permission) && ownOrigin(originOf(details?.requestingUrl) ?? undefined));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => LOOPBACK_PERMISSIONS.has(permission) && ownOrigin(requestingOrigin));
  // WebHID / WebUSB / serial: never.
  ses.setDevicePermissionHandler(() => false);
}

export function hardenWebContents(wc: WebContents): void {
  // The UI is a single page: any navigation (a link, a drag-and-drop of a file, a redirect) is refused.
  wc.on('will-navigate', (event) => event.preventDefault());
  wc.on('will-frame-navigate', (event) => event.preventDefault());
  wc.on('will-redirect', (event) => event.preventDefault());
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  wc.on('will-attach-webview', (event) => event.preventDefault());
}

export function installSecurity(app: App, ses: Session): void {
  hardenSession(ses);
  app.on('web-contents-created', (_event, wc) => hardenWebContents(wc));
}
