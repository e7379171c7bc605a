// macOS: `lsof -F` names the process holding a TCP socket, `ps` describes it. A hardened or sandboxed
// build may see less; whatever the tools do not say stays unknown.
import { basename } from 'node:path';
import { exeWarning, type ProcessFacts, type ProcessLink } from '../../shared/attribution';
import { cleanReported } from '../../shared/reported-text';
import { cleanCommandLine, scriptOf, splitCommandLine } from './clean-cmdline';
import { isWellKnownAncestor } from './linux-proc';
import type { AttributionBackend, FoundSocket, ProcessCache } from './platform';
import { runCommand } from './run-command';

export interface LsofSocket {
  pid: number;
  command: string;
  uid?: number;
  user?: string;
  local: { addr: string; port: number };
  remote?: { addr: string; port: number };
}

/** "127.0.0.1:52345", "[::1]:52345", "*:18789" → address and port. */
function endpoint(text: string): { addr: string; port: number } | undefined {
  const m = /^(\[[^\]]*\]|[^:]+|\*):(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  return { addr: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** `lsof -F pcuLn` output: process sets (p…) followed by their file sets (f…, n…). */
export function parseLsofF(text: string): LsofSocket[] {
  const out: LsofSocket[] = [];
  let proc: { pid: number; command: string; uid?: number; user?: string } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line) continue;
    const tag = line[0];
    const value = line.slice(1);
    if (tag === 'p') {
      const pid = Number(value);
      proc = Number.isInteger(pid) && pid > 0 ? { pid, command: '' } : undefined;
    } else if (!proc) {
      continue;
    } else if (tag === 'c') {
      proc.command = value;
    } else if (tag === 'u') {
      const uid = Number(value);
      if (Number.isInteger(uid)) proc.uid = uid;
    } else if (tag === 'L') {
      proc.user = value;
    } else if (tag === 'n') {
      const [l, r] = value.split('->');
      const local = l ? endpoint(l) : undefined;
      if (!local) continue;
      const remote = r ? endpoint(r) : undefined;
      out.push({ pid: proc.pid, command: proc.command, ...(proc.uid !== undefined ? { uid: proc.uid } : {}), ...(proc.user ? { user: proc.user } : {}), local, ...(remote ? { remote } : {}) });
    }
  }
  return out;
}

export interface PsRow {
  pid: number;
  ppid: number;
  uid?: number;
  user?: string;
  startedAtMs?: number;
  /** Full executable path on macOS (`comm` of `ps`), may hold spaces. */
  comm: string;
}

/** `ps -A -ww -o pid=,ppid=,uid=,user=,lstart=,comm=` (C locale: lstart is five words). */
export function parsePs(text: string): Map<number, PsRow> {
  const rows = new Map<number, PsRow>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    // lstart in the C locale: "Wed Dec  2 00:43:10 2026". In another locale the date is skipped and the
    // executable taken from the first '/' (or the last word).
    const c = /^(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+([A-Z][a-z]{2}\s+[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}\s+\d{4})\s+(.+)$/.exec(line);
    const loose = c ? null : /^(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*?)\s*((?:\/.*)|\S+)$/.exec(line);
    const m = c ?? loose;
    if (!m) continue;
    const pid = Number(m[1]);
    const ppid = Number(m[2]);
    const uid = Number(m[3]);
    const started = c ? Date.parse(m[5]!) : NaN;
    rows.set(pid, {
      pid, ppid, uid, user: m[4]!, ...(Number.isFinite(started) ? { startedAtMs: started } : {}), comm: m[6]!.trim(),
    });
  }
  return rows;
}

export function chainFromPs(rows: Map<number, PsRow>, ppid: number, maxLevels = 4): ProcessLink[] {
  const out: ProcessLink[] = [];
  let pid = ppid;
  const seen = new Set<number>();
  while (pid > 0 && out.length < maxLevels && !seen.has(pid)) {
    seen.add(pid);
    const row = rows.get(pid);
    if (!row) break;
    const name = cleanReported(basename(row.comm), 64) ?? 'unknown';
    out.push({ pid, name, ...(row.comm.startsWith('/') ? { exe: cleanReported(row.comm, 1024)! } : {}) });
    if (isWellKnownAncestor(name) || pid === 1) break;
    pid = row.ppid;
  }
  return out;
}

export function factsFromPs(rows: Map<number, PsRow>, pid: number, argsLine: string | undefined): ProcessFacts | undefined {
  const row = rows.get(pid);
  if (!row) return undefined;
  const exe = row.comm.startsWith('/') ? row.comm : undefined;
  const name = cleanReported(basename(row.comm), 64) ?? 'unknown';
  const argv = argsLine !== undefined ? splitCommandLine(argsLine) : undefined;
  const cmdline = argv ? cleanCommandLine(argv) : undefined;
  const script = argv ? scriptOf(name, argv) : undefined;
  const facts: ProcessFacts = {
    pid, name, ...(exe ? { exe: cleanReported(exe, 1024)! } : {}), ...(cmdline ? { cmdline } : {}), ...(script ? { script } : {}),
    ...(row.uid !== undefined ? { uid: row.uid } : {}), ...(row.user ? { user: cleanReported(row.user, 64)! } : {}),
    ...(row.startedAtMs !== undefined ? { startedAtMs: row.startedAtMs } : {}),
    parents: chainFromPs(rows, row.ppid),
  };
  const warning = exeWarning(exe, false);
  if (warning) facts.warning = warning;
  return facts;
}

export function macosBackend(): AttributionBackend {
  const find = async (args: string[], match: (s: LsofSocket) => boolean): Promise<FoundSocket> => {
    const r = await runCommand('lsof', ['-nP', ...args, '-FpcuLn']);
    if (!r.ok) throw new Error(`lsof failed: ${r.error}`);
    const hit = parseLsofF(r.stdout).find(match);
    return hit ? { found: true, pid: hit.pid, ...(hit.uid !== undefined ? { uid: hit.uid } : {}) } : { found: false };
  };
  return {
    method: 'macos-lsof',
    findPeer: (peerPort, ourPort) => find([`-iTCP:${peerPort}`, '-sTCP:ESTABLISHED'], (s) => s.local.port === peerPort && s.remote?.port === ourPort),
    findListener: (port) => find([`-iTCP:${port}`, '-sTCP:LISTEN'], (s) => s.local.port === port),
    async describe(pid: number, cache: ProcessCache) {
      const ps = await runCommand('ps', ['-A', '-ww', '-o', 'pid=,ppid=,uid=,user=,lstart=,comm=']);
      if (!ps.ok) return undefined;
      const rows = parsePs(ps.stdout);
      const row = rows.get(pid);
      if (!row) return undefined;
      const key = `${pid}:${row.startedAtMs ?? row.comm}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const args = await runCommand('ps', ['-ww', '-o', 'args=', '-p', String(pid)]);
      const facts = factsFromPs(rows, pid, args.ok ? args.stdout.trim().slice(0, 64 * 1024) : undefined);
      if (facts) cache.set(key, facts);
      return facts;
    },
    ownUser: () => ({ uid: process.getuid?.() }),
  };
}
