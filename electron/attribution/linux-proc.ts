// Linux: the kernel's socket tables (/proc/net/tcp, tcp6) name the owner (uid) and inode of the peer's
// socket; the process holding that inode is found through /proc/<pid>/fd; its facts come from /proc/<pid>.
import { open, readdir, readFile, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ProcessLink } from '../../shared/attribution';
import { cleanReported } from '../../shared/reported-text';

export interface SocketRow {
  localPort: number;
  remotePort: number;
  localAddr: string;
  remoteAddr: string;
  /** Kernel state code: '01' established, '0A' listen. */
  state: string;
  uid: number;
  inode: number;
}

export const TCP_ESTABLISHED = '01';
export const TCP_LISTEN = '0A';

function hexAddress(hex: string): string {
  if (hex.length === 8) {
    // IPv4, stored as a little-endian 32-bit word.
    return [hex.slice(6, 8), hex.slice(4, 6), hex.slice(2, 4), hex.slice(0, 2)].map((b) => parseInt(b, 16)).join('.');
  }
  if (hex.length === 32) {
    // IPv6: four little-endian 32-bit words.
    const words: string[] = [];
    for (let w = 0; w < 4; w++) {
      const word = hex.slice(w * 8, w * 8 + 8);
      const be = word.slice(6, 8) + word.slice(4, 6) + word.slice(2, 4) + word.slice(0, 2);
      words.push(be.slice(0, 4), be.slice(4, 8));
    }
    const groups = words.map((g) => parseInt(g, 16).toString(16));
    if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
      const v4 = words.slice(6).join('');
      return `::ffff:${[0, 2, 4, 6].map((i) => parseInt(v4.slice(i, i + 2), 16)).join('.')}`;
    }
    if (groups.slice(0, 7).every((g) => g === '0') && groups[7] === '1') return '::1';
    if (groups.every((g) => g === '0')) return '::';
    return groups.join(':');
  }
  return 'unknown';
}

/** One row of /proc/net/tcp or tcp6 (the header and malformed lines give undefined). */
export function parseSocketRow(line: string): SocketRow | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 10) return undefined;
  const [la, lp] = f[1]!.split(':');
  const [ra, rp] = f[2]!.split(':');
  if (!la || !lp || !ra || !rp) return undefined;
  const uid = Number(f[7]);
  const inode = Number(f[9]);
  if (!Number.isInteger(uid) || !Number.isInteger(inode)) return undefined;
  const localPort = parseInt(lp, 16);
  const remotePort = parseInt(rp, 16);
  if (!Number.isInteger(localPort) || !Number.isInteger(remotePort)) return undefined;
  return { localAddr: hexAddress(la), localPort, remoteAddr: hexAddress(ra), remotePort, state: f[3]!.toUpperCase(), uid, inode };
}

/** The peer's socket of a connection we accepted: its local port is the peer port, its remote port ours. */
export function isPeerSocket(peerPort: number, ourPort: number): (r: SocketRow) => boolean {
  return (r) => r.state === TCP_ESTABLISHED && r.localPort === peerPort && r.remotePort === ourPort && r.inode > 0;
}

export function isListener(port: number): (r: SocketRow) => boolean {
  return (r) => r.state === TCP_LISTEN && r.localPort === port;
}

async function holdsInode(procRoot: string, pid: number, target: string): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`${procRoot}/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if ((await readlink(`${procRoot}/${pid}/fd/${fd}`)) === target) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/**
 * The process holding a socket inode. Likely holders (recent peers, their parents) are checked first; then
 * one pass over every process. Processes we may not inspect are skipped (that is what "unknown" is for).
 */
export async function pidForInode(inode: number, likely: readonly number[] = [], procRoot = '/proc'): Promise<number | undefined> {
  const target = `socket:[${inode}]`;
  const tried = new Set<number>();
  for (const pid of likely) {
    if (tried.has(pid)) continue;
    tried.add(pid);
    if (await holdsInode(procRoot, pid, target)) return pid;
  }
  let entries: string[];
  try {
    entries = await readdir(procRoot);
  } catch {
    return undefined;
  }
  // Newest processes first: a connecting client is usually young.
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => !tried.has(p)).sort((a, b) => b - a);
  // Small batches first (the holder is most often among the newest few), then wider ones.
  let batch = 4;
  for (let i = 0; i < pids.length; i += batch, batch = Math.min(batch * 2, 64)) {
    const slice = pids.slice(i, i + batch);
    const hits = await Promise.all(slice.map((pid) => holdsInode(procRoot, pid, target)));
    const at = hits.indexOf(true);
    if (at >= 0) return slice[at];
  }
  return undefined;
}

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** Clock ticks after boot (field 22): with the pid, what identifies this process across PID reuse. */
  startTicks: number;
}

/** /proc/<pid>/stat: comm may hold spaces and parentheses, so split at the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTicks)) return undefined;
  return { pid, comm: text.slice(open + 1, close), ppid, startTicks };
}

export async function readStat(pid: number, procRoot = '/proc'): Promise<ProcStat | undefined> {
  try {
    return parseStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** At most `max` bytes of a file: a hostile 1 MB command line costs us no more than this. */
async function readBounded(path: string, max: number): Promise<Buffer | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(max);
    let n = 0;
    while (n < max) {
      const { bytesRead } = await fh.read(buf, n, max - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => {});
  }
}

export const CMDLINE_READ_BYTES = 16 * 1024;

export async function readArgv(pid: number, procRoot = '/proc'): Promise<string[] | undefined> {
  const buf = await readBounded(`${procRoot}/${pid}/cmdline`, CMDLINE_READ_BYTES);
  if (!buf) return undefined;
  const parts = buf.toString('utf8').split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export async function readExe(pid: number, procRoot = '/proc'): Promise<{ exe?: string; deleted: boolean }> {
  try {
    const link = await readlink(`${procRoot}/${pid}/exe`);
    const deleted = link.endsWith(' (deleted)');
    return { exe: deleted ? link.slice(0, -' (deleted)'.length) : link, deleted };
  } catch {
    return { deleted: false };
  }
}

export async function readUid(pid: number, procRoot = '/proc'): Promise<number | undefined> {
  try {
    const status = await readFile(`${procRoot}/${pid}/status`, 'utf8');
    const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    // The effective uid is what the kernel checks file access with.
    return m ? Number(m[2]) : undefined;
  } catch {
    return undefined;
  }
}

let bootMs: number | undefined;
/** Boot time from /proc/stat (btime), to turn start ticks into a wall-clock time. */
export async function bootTimeMs(procRoot = '/proc'): Promise<number | undefined> {
  if (bootMs !== undefined) return bootMs;
  try {
    const m = /^btime\s+(\d+)/m.exec(await readFile(`${procRoot}/stat`, 'utf8'));
    if (m) bootMs = Number(m[1]) * 1000;
  } catch {
    // unknown
  }
  return bootMs;
}

/** Clock ticks per second: 100 on every Linux architecture Node supports. */
export const CLOCK_TICKS = 100;

let users: Promise<Map<number, string>> | undefined;
export async function userName(uid: number | undefined): Promise<string | undefined> {
  if (uid === undefined) return undefined;
  // One read of /etc/passwd shared by every caller: concurrent lookups wait for it rather than seeing a half-filled map.
  users ??= readFile('/etc/passwd', 'utf8').then(
    (text) => {
      const map = new Map<number, string>();
      for (const line of text.split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && /^\d+$/.test(id) && !map.has(Number(id))) map.set(Number(id), name);
      }
      return map;
    },
    () => new Map<number, string>(), // no passwd file: numbers only
  );
  return cleanReported((await users).get(uid), 64) ?? String(uid);
}

/** Names that end a parent chain: the session root or the app a person started things from. */
const WELL_KNOWN_ANCESTORS = new Set([
  'systemd', 'init', 'launchd', 'sshd', 'login', 'tmux', 'tmux: server', 'screen', 'kitty', 'alacritty', 'wezterm-gui', 'gnome-terminal-', 'gnome-terminal-server',
  'konsole', 'xterm', 'foot', 'terminator', 'tilix', 'code', 'cursor', 'electron', 'containerd-shim', 'dockerd', 'Terminal', 'iTerm2', 'explorer.exe', 'services.exe',
]);

export function isWellKnownAncestor(name: string): boolean {
  return WELL_KNOWN_ANCESTORS.has(name) || WELL_KNOWN_ANCESTORS.has(name.replace(/\.exe$/i, ''));
}

/** Parents, nearest first, up to the first well-known ancestor or 4 levels. */
export async function parentChain(ppid: number, procRoot = '/proc', maxLevels = 4): Promise<ProcessLink[]> {
  const out: ProcessLink[] = [];
  let pid = ppid;
  const seen = new Set<number>();
  while (pid > 0 && out.length < maxLevels && !seen.has(pid)) {
    seen.add(pid);
    const st = await readStat(pid, procRoot);
    if (!st) break;
    const { exe } = await readExe(pid, procRoot);
    const name = cleanReported(exe ? basename(exe) : st.comm, 64) ?? 'unknown';
    out.push({ pid, name, ...(exe ? { exe: cleanReported(exe, 512)! } : {}) });
    if (isWellKnownAncestor(name) || isWellKnownAncestor(st.comm) || pid === 1) break;
    pid = st.ppid;
  }
  return out;
}
