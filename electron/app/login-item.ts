// The platform side of start at login (the state itself: electron/desktop/login-item.ts).
// - macOS: the app as a login item (SMAppService on macOS 13+). The window stays closed when the app was
//   opened at login (wasOpenedAtLogin), so it starts in the menu bar only. "requires-approval" is reported.
// - Windows: the Run key with `--hidden`; read back with executableWillLaunchAtLogin, which is false when the
//   user disabled Loopgate in Task Manager's startup apps.
// - Linux: the XDG autostart entry (electron/desktop/autostart-linux.ts), starting the AppImage when run from one.
import { app } from 'electron';
import { homedir } from 'node:os';
import { HIDDEN_ARG, linuxAutostartBackend } from '../desktop/autostart-linux';
import type { LoginItemBackend } from '../desktop/login-item';

export { HIDDEN_ARG };

export interface LoginItemEnv {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  execPath?: string;
  /** process.argv: in development (`electron <main script>`) the script must be passed again at login. */
  argv?: readonly string[];
}

export function loginItemBackend(opts: LoginItemEnv = {}): LoginItemBackend | null {
  const platform = opts.platform ?? process.platform;
  const execPath = opts.execPath ?? process.execPath;
  if (platform === 'darwin') {
    return {
      read: async () => {
        const s = app.getLoginItemSettings();
        if (s.status === 'requires-approval') {
          return { enabled: false, problem: 'macOS is waiting for your approval: System Settings › General › Login Items.' };
        }
        return { enabled: s.openAtLogin };
      },
      write: async (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
    };
  }
  if (platform === 'win32') {
    const args = [HIDDEN_ARG];
    return {
      read: async () => {
        const s = app.getLoginItemSettings({ path: execPath, args });
        if (s.openAtLogin && !s.executableWillLaunchAtLogin) {
          return { enabled: false, problem: 'Loopgate is disabled in Task Manager › Startup apps; turning it on here enables it again.' };
        }
        return { enabled: s.executableWillLaunchAtLogin };
      },
      write: async (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, enabled, path: execPath, args }),
    };
  }
  if (platform === 'linux') {
    const argv = opts.argv ?? process.argv;
    const env = opts.env ?? process.env;
    // Packaged (or an AppImage): the executable alone. Development: electron plus the app's main script.
    const baseArgs = app.isPackaged || env.APPIMAGE ? [] : argv.slice(1, 2).filter((a) => a && !a.startsWith('-'));
    return linuxAutostartBackend({ env, homedir: homedir(), execPath, baseArgs });
  }
  return null;
}

/** Started by the login item: stay in the tray, do not open the window. */
export function openedAtLogin(argv: readonly string[], platform: NodeJS.Platform = process.platform): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
