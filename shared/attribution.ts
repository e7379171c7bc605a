// Who is asking: the local process at the other end of a loopback connection, as the operating system
// reports it (never what the client says about itself). Pure: shown by the window, the CLI and the tray.

/** How this OS lets the gateway find the process behind a loopback socket. */
export type AttributionMethod = 'linux-proc' | 'macos-lsof' | 'windows-netstat' | 'none';

export interface ProcessLink {
  pid: number;
  name: string;
  exe?: string;
}

export interface ProcessFacts {
  pid: number;
  /** Program name: the executable's file name (what a process calls itself may differ: see `title`). */
  name: string;
  /** What the process calls itself (comm), when it differs from the executable's name. */
  title?: string;
  exe?: string;
  /** The executable was deleted or replaced after the process started. */
  exeDeleted?: boolean;
  /** Cleaned, bounded, secrets masked. */
  cmdline?: string;
  /** For interpreters (node, python, …): the script they run, e.g. "claude" for `node …/bin/claude`. */
  script?: string;
  uid?: number;
  user?: string;
  startedAtMs?: number;
  /** Nearest first, up to the first well-known ancestor or 4 levels. */
  parents: ProcessLink[];
  /** Loopgate's own parts, named as such. */
  known?: 'loopgate-window' | 'loopgate-dashboard' | 'loopgate-cli';
  /** The executable lives somewhere programs are not installed to. */
  warning?: 'temp-folder' | 'download-folder' | 'deleted';
}

export interface PeerAttribution {
  /** found: the process below; exited: the socket or process was gone before the lookup; unknown: see `why`. */
  status: 'found' | 'exited' | 'unknown';
  method: AttributionMethod;
  why?: string;
  process?: ProcessFacts;
  /** The socket's owner, when the OS says (Linux: /proc/net/tcp uid column). */
  socketUid?: number;
  /** Same OS user as the gateway: true / false, or absent when the OS cannot tell. */
  sameUser?: boolean;
  /** When the lookup finished. */
  atMs: number;
}

/** A program as a device remembers it (approved from, last connected from). */
export interface ProgramRef {
  exe?: string;
  name: string;
  script?: string;
  user?: string;
  pid?: number;
  atMs: number;
}

export function programOf(a: PeerAttribution | undefined, atMs: number): ProgramRef | undefined {
  const p = a?.process;
  if (!a || a.status !== 'found' || !p) return undefined;
  return { ...(p.exe ? { exe: p.exe } : {}), name: p.name, ...(p.script ? { script: p.script } : {}), ...(p.user ? { user: p.user } : {}), pid: p.pid, atMs };
}

/** Same program: same executable path (sub-agents of one program share it); without a path, same name. */
export function sameProgram(a: ProgramRef | undefined, b: ProgramRef | undefined): boolean {
  if (!a || !b) return true;
  // Users are compared only when both lookups told one (a lookup that could not read the owner is no change).
  if (a.exe && b.exe) return a.exe === b.exe && (!a.user || !b.user || a.user === b.user);
  return a.name === b.name;
}

const KNOWN_LABEL: Record<NonNullable<ProcessFacts['known']>, string> = {
  'loopgate-window': 'Loopgate window',
  'loopgate-dashboard': 'Loopgate dashboard',
  'loopgate-cli': 'Loopgate CLI',
};

/** "node (claude)", or "Loopgate CLI". */
export function programName(p: Pick<ProcessFacts, 'name' | 'script' | 'known'> | ProgramRef): string {
  if ('known' in p && p.known) return `${KNOWN_LABEL[p.known]} (${p.name})`;
  return p.script && p.script !== p.name ? `${p.name} (${p.script})` : p.name;
}

/** One line for notifications, the tray and logs: "node (claude) · PID 4242", "exited", "unknown program". */
export function attributionLabel(a: PeerAttribution | undefined): string {
  if (!a) return 'program unknown';
  if (a.status === 'exited') return 'program exited before it could be identified';
  if (a.status !== 'found' || !a.process) return 'program unknown';
  const user = a.sameUser === false ? ` · other user ${a.process.user ?? a.socketUid ?? '?'}` : '';
  return `${programName(a.process)} · PID ${a.process.pid}${user}`;
}

/** Folders no installed program should run from (lower-cased path prefixes and fragments). */
export function exeWarning(exe: string | undefined, deleted: boolean): ProcessFacts['warning'] | undefined {
  if (deleted) return 'deleted';
  if (!exe) return undefined;
  const p = exe.replace(/\\/g, '/').toLowerCase();
  if (/\/downloads?\//.test(p)) return 'download-folder';
  if (p.startsWith('/tmp/') || p.startsWith('/var/tmp/') || p.startsWith('/dev/shm/') || p.startsWith('/private/tmp/') ||
      p.startsWith('/private/var/folders/') || p.startsWith('/var/folders/') || /\/appdata\/local\/temp\//.test(p) || /^[a-z]:\/windows\/temp\//.test(p)) {
    return 'temp-folder';
  }
  return undefined;
}

export function warningText(w: ProcessFacts['warning']): string {
  switch (w) {
    case 'deleted': return 'its executable was deleted or replaced after it started';
    case 'temp-folder': return 'it runs from a temporary folder';
    case 'download-folder': return 'it runs from a downloads folder';
    default: return '';
  }
}
