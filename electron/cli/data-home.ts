// Where Loopgate keeps its data: $LOOPGATE_HOME, else the folder Electron's userData uses for "Loopgate",
// so the tray app, the headless gateway and the CLI all share one store.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.LOOPGATE_HOME) return env.LOOPGATE_HOME;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Loopgate');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Loopgate');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Loopgate');
}
