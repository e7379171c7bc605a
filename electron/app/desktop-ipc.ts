// IPC for living on the desktop: start at login and updates. Same typed, sender-checked handlers as ipc.ts;
// the one argument that crosses (the switch's new value) is checked here, since the renderer is untrusted input.
import type { WebContents } from 'electron';
import type { LoginItemController } from '../desktop/login-item';
import type { UpdateController } from '../updates/update-controller';
import { handle, send, type TrustedSenders } from './ipc';

export interface DesktopIpcDeps {
  loginItem: LoginItemController;
  updates: UpdateController;
  /** Quit, installing the downloaded update, and start again. */
  restartToUpdate(): void;
  /** The windows to tell about changes (our own, trusted). */
  windows(): WebContents[];
}

export function registerDesktopIpc(trusted: TrustedSenders, deps: DesktopIpcDeps): () => void {
  const offs = [
    handle('login-item:get', trusted, () => deps.loginItem.get()),
    handle('login-item:set', trusted, (_e, enabled) => {
      if (typeof enabled !== 'boolean') throw new Error('login-item:set expects true or false');
      return deps.loginItem.set(enabled);
    }),
    handle('updates:get', trusted, () => deps.updates.status()),
    handle('updates:check', trusted, () => deps.updates.check()),
    handle('updates:restart', trusted, () => {
      if (deps.updates.status().phase !== 'ready') throw new Error('No update is ready to install.');
      deps.restartToUpdate();
    }),
    deps.loginItem.onChange((state) => {
      for (const wc of deps.windows()) send(wc, 'login-item:changed', state);
    }),
    deps.updates.onChange((status) => {
      for (const wc of deps.windows()) send(wc, 'updates:changed', status);
    }),
  ];
  return () => offs.forEach((off) => off());
}
