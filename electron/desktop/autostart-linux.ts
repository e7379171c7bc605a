// Start at login on Linux: an XDG autostart entry, $XDG_CONFIG_HOME/autostart/loopgate.desktop (~/.config when
// unset or not absolute), per the freedesktop Desktop Application Autostart spec. The state is always read back
// from that file, never from our preferences, so an entry the user removed or switched off by hand (Hidden=true,
// X-GNOME-Autostart-enabled=false) shows as off. Written atomically (temp file, fsync, rename) so a session
// starting at the wrong moment never sees half an entry; removed when turned off. Run from an AppImage, the entry
// starts the AppImage ($APPIMAGE), not the temporary mount it runs from.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export const AUTOSTART_FILE_NAME = 'loopgate.desktop';
/** Passed by the login entry: start in the tray, without opening the window. */
export const HIDDEN_ARG = '--hidden';

export interface LinuxAutostartContext {
  env: NodeJS.ProcessEnv;
  homedir: string;
  /** The running executable (process.execPath); $APPIMAGE takes precedence. */
  execPath: string;
  /** Arguments the executable needs before ours (e.g. the app folder when run as `electron .`). */
  baseArgs?: string[];
}

export interface AutostartState {
  enabled: boolean;
  /** Where the entry lives (or would). */
  location: string;
  /** The entry exists but starts something else than this Loopgate (moved AppImage, hand-edited Exec). */
  stale?: boolean;
  /** Why the state could not be read or changed, in words for Settings and the log. */
  problem?: string;
}

export class AutostartError extends Error {}

export function autostartDir(env: NodeJS.ProcessEnv, homedir: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir, '.config'), 'autostart');
}

export function autostartFile(ctx: Pick<LinuxAutostartContext, 'env' | 'homedir'>): string {
  return join(autostartDir(ctx.env, ctx.homedir), AUTOSTART_FILE_NAME);
}

/** The program the entry starts: the AppImage file when run from one, else the executable itself. */
export function launchTarget(ctx: Pick<LinuxAutostartContext, 'env' | 'execPath'>): string {
  const appImage = ctx.env.APPIMAGE;
  return appImage && isAbsolute(appImage) ? appImage : ctx.execPath;
}

/** Quote one argument for an Exec key (Desktop Entry spec, "The Exec key"). */
export function quoteExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(escaped) && escaped !== '') return escaped;
  return `"${escaped.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** Split an Exec value back into arguments (enough of the spec to recognise our own entries). */
export function parseExec(value: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of value.matchAll(re)) args.push((m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!).replace(/%%/g, '%'));
  return args;
}

export function execLine(ctx: LinuxAutostartContext): string {
  return [launchTarget(ctx), ...(ctx.baseArgs ?? []), HIDDEN_ARG].map(quoteExecArg).join(' ');
}

/** Escape a value for a desktop entry (string type): backslash, newline, tab. */
const escapeValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');

export function desktopEntry(ctx: LinuxAutostartContext): string {
  const target = launchTarget(ctx);
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Loopgate',
    'Comment=Loopback gateway and pairing tray for local AI agents',
    `Exec=${execLine(ctx)}`,
    `TryExec=${escapeValue(target)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    'X-Loopgate-Managed=true',
    '',
  ].join('\n');
}

/** The [Desktop Entry] group as key → value (later keys win, comments and other groups ignored). */
export function parseDesktopEntry(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  let inMain = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      inMain = line === '[Desktop Entry]';
      continue;
    }
    const eq = line.indexOf('=');
    if (inMain && eq > 0) keys.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return keys;
}

const isTrue = (v: string | undefined): boolean => v?.toLowerCase() === 'true';
const isFalse = (v: string | undefined): boolean => v?.toLowerCase() === 'false';

const describe = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  const what: Record<string, string> = { EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', ENOSPC: 'disk full', ENOTDIR: 'a file is in the way' };
  return e?.code ? `${what[e.code] ?? e.message} (${e.code})` : String((e as Error)?.message ?? err);
};

/** Read the entry as the desktop session will: does it start this Loopgate at login? */
export async function readLinuxAutostart(ctx: LinuxAutostartContext): Promise<AutostartState> {
  const location = autostartFile(ctx);
  let text: string;
  try {
    text = await fsp.readFile(location, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return { enabled: false, location };
    return { enabled: false, location, problem: `Cannot read the login entry ${location}: ${describe(err)}.` };
  }
  const keys = parseDesktopEntry(text);
  const exec = keys.get('Exec');
  if (keys.get('Type') !== 'Application' || !exec) {
    return { enabled: false, location, problem: `The login entry ${location} is not a valid application entry; turning start at login on will replace it.` };
  }
  // Switched off by hand (or by the desktop's own startup settings).
  if (isTrue(keys.get('Hidden')) || isFalse(keys.get('X-GNOME-Autostart-enabled'))) return { enabled: false, location };
  const program = parseExec(exec)[0];
  const stale = program !== launchTarget(ctx);
  return stale
    ? { enabled: true, location, stale, problem: `The login entry starts ${program ?? '(nothing)'}, not this Loopgate; turn start at login off and on to fix it.` }
    : { enabled: true, location };
}

/** Turn start at login on (write the entry) or off (remove it). Throws AutostartError with a clear message. */
export async function setLinuxAutostart(ctx: LinuxAutostartContext, enabled: boolean): Promise<AutostartState> {
  const location = autostartFile(ctx);
  if (!enabled) {
    try {
      await fsp.rm(location, { force: true });
    } catch (err) {
      throw new AutostartError(`Cannot remove the login entry ${location}: ${describe(err)}. Loopgate may still start at login.`);
    }
    return readLinuxAutostart(ctx);
  }
  const dir = dirname(location);
  const tmp = join(dir, `.${AUTOSTART_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let created = false;
  try {
    // A missing autostart folder is normal on a fresh account: create it like the desktop would (0755).
    await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
    const fh = await fsp.open(tmp, 'wx', 0o644);
    created = true;
    try {
      await fh.writeFile(desktopEntry(ctx));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, location);
  } catch (err) {
    if (created) await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new AutostartError(`Cannot write the login entry in ${dir}: ${describe(err)}. Start at login stays off.`);
  }
  return readLinuxAutostart(ctx);
}

/** The Linux backend of the login-item controller (login-item.ts). */
export function linuxAutostartBackend(ctx: LinuxAutostartContext): { read(): Promise<AutostartState>; write(enabled: boolean): Promise<void> } {
  return {
    read: () => readLinuxAutostart(ctx),
    write: async (enabled) => void (await setLinuxAutostart(ctx, enabled)),
  };
}
