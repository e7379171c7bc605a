// Windows: `netstat -ano` gives the owning PID of a TCP connection (its headers and state words are
// localized, so rows are read by shape, not by words); PowerShell's CIM classes describe the process.
import { exeWarning, type ProcessFacts, type ProcessLink } from '../../shared/attribution';
import { cleanReported } from '../../shared/reported-text';
import { cleanCommandLine, scriptOf, splitCommandLine } from './clean-cmdline';
import { isWellKnownAncestor } from './linux-proc';
import type { AttributionBackend, FoundSocket, ProcessCache } from './platform';
import { runCommand } from './run-command';

export interface NetRow {
  local: { addr: string; port: number };
  remote: { addr: string; port: number };
  /** As printed (localized): never used to decide. */
  state: string;
  pid: number;
}

function endpoint(text: string): { addr: string; port: number } | undefined {
  const m = /^(\[[^\]]*\]|[^:\s]+|\*):(\d+|\*)$/.exec(text);
  if (!m) return undefined;
  return { addr: m[1]!.replace(/^\[|\]$/g, '').replace(/%\d+$/, ''), port: m[2] === '*' ? 0 : Number(m[2]) };
}

/** `netstat -ano` (any language): TCP rows only, whatever the header and state words say. */
export function parseNetstat(text: string): NetRow[] {
  const rows: NetRow[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*TCP\s+(\S+)\s+(\S+)\s+(.*?)\s*(\d+)\s*$/i.exec(raw);
    if (!m) continue;
    const local = endpoint(m[1]!);
    const remote = endpoint(m[2]!);
    if (!local || !remote) continue;
    rows.push({ local, remote, state: m[3]!, pid: Number(m[4]) });
  }
  return rows;
}

/** `Get-NetTCPConnection | Select LocalAddress,LocalPort,RemoteAddress,RemotePort,State,OwningProcess | ConvertTo-Csv`. */
export function parseNetTcpCsv(text: string): NetRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
  if (!lines.length) return [];
  const cells = (l: string) => (l.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'));
  const head = cells(lines[0]!);
  const col = (name: string) => head.indexOf(name);
  const [la, lp, ra, rp, st, op] = ['LocalAddress', 'LocalPort', 'RemoteAddress', 'RemotePort', 'State', 'OwningProcess'].map(col);
  if ([la, lp, ra, rp, op].some((i) => i === undefined || i < 0)) return [];
  const rows: NetRow[] = [];
  for (const line of lines.slice(1)) {
    const c = cells(line);
    const pid = Number(c[op!]);
    const lport = Number(c[lp!]);
    const rport = Number(c[rp!]);
    if (!Number.isInteger(pid) || !Number.isInteger(lport) || !Number.isInteger(rport)) continue;
    rows.push({ local: { addr: c[la!]!, port: lport }, remote: { addr: c[ra!]!, port: rport }, state: st !== undefined && st >= 0 ? c[st]! : '', pid });
  }
  return rows;
}

export interface WinProcess {
  ProcessId: number;
  ParentProcessId?: number;
  Name?: string;
  ExecutablePath?: string | null;
  CommandLine?: string | null;
  /** PowerShell 5.1 writes "/Date(ms)/"; PowerShell 7 an ISO string. */
  CreationDate?: string | null;
  Owner?: string | null;
}

function creationMs(v: string | null | undefined): number | undefined {
  if (!v) return undefined;
  const m = /\/Date\((\d+)\)\//.exec(v);
  const ms = m ? Number(m[1]) : Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** The JSON our PowerShell lookup prints: the process first, then its parents (nearest first). */
export function factsFromWinJson(text: string): ProcessFacts | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  const list = (Array.isArray(data) ? data : [data]).filter((p): p is WinProcess => !!p && typeof (p as WinProcess).ProcessId === 'number');
  const [me, ...ancestors] = list;
  if (!me) return undefined;
  const exe = me.ExecutablePath ?? undefined;
  const name = cleanReported(exe ? baseName(exe) : me.Name ?? '', 64) ?? 'unknown';
  const argv = me.CommandLine ? splitCommandLine(me.CommandLine.slice(0, 64 * 1024)) : undefined;
  const cmdline = argv ? cleanCommandLine(argv) : undefined;
  const script = argv ? scriptOf(name, argv) : undefined;
  const parents: ProcessLink[] = [];
  for (const p of ancestors.slice(0, 4)) {
    const pname = cleanReported(p.ExecutablePath ? baseName(p.ExecutablePath) : p.Name ?? '', 64) ?? 'unknown';
    parents.push({ pid: p.ProcessId, name: pname, ...(p.ExecutablePath ? { exe: cleanReported(p.ExecutablePath, 1024)! } : {}) });
    if (isWellKnownAncestor(pname)) break;
  }
  const started = creationMs(me.CreationDate);
  const user = cleanReported(me.Owner ?? undefined, 128);
  const facts: ProcessFacts = {
    pid: me.ProcessId, name, ...(exe ? { exe: cleanReported(exe, 1024)! } : {}), ...(cmdline ? { cmdline } : {}), ...(script ? { script } : {}),
    ...(user ? { user } : {}), ...(started !== undefined ? { startedAtMs: started } : {}), parents,
  };
  const warning = exeWarning(exe, false);
  if (warning) facts.warning = warning;
  return facts;
}

const DESCRIBE_PS = (pid: number) => `$ErrorActionPreference='SilentlyContinue'; $out=@(); $id=${pid}; ` +
  `for ($i=0; $i -lt 5 -and $id -gt 0; $i++) { $p=Get-CimInstance Win32_Process -Filter "ProcessId=$id"; if (-not $p) { break }; ` +
  `$o=$null; if ($i -eq 0) { $w=Invoke-CimMethod -InputObject $p -MethodName GetOwner; if ($w.User) { $o="$($w.Domain)\\$($w.User)" } }; ` +
  `$out+=[pscustomobject]@{ProcessId=[int]$p.ProcessId;ParentProcessId=[int]$p.ParentProcessId;Name=$p.Name;ExecutablePath=$p.ExecutablePath;CommandLine=$p.CommandLine;CreationDate=$p.CreationDate.ToString('o');Owner=$o}; ` +
  `$id=[int]$p.ParentProcessId }; ConvertTo-Json -Compress -InputObject $out`;

export function windowsBackend(): AttributionBackend {
  const rows = async (): Promise<NetRow[]> => {
    const r = await runCommand('netstat', ['-ano', '-p', 'TCP']);
    if (!r.ok) throw new Error(`netstat failed: ${r.error}`);
    return parseNetstat(r.stdout);
  };
  const found = (row: NetRow | undefined): FoundSocket => (row ? { found: true, pid: row.pid } : { found: false });
  return {
    method: 'windows-netstat',
    findPeer: async (peerPort, ourPort) => found((await rows()).find((r) => r.local.port === peerPort && r.remote.port === ourPort && r.pid > 0)),
    findListener: async (port) => found((await rows()).find((r) => r.local.port === port && r.remote.port === 0)),
    async describe(pid: number, cache: ProcessCache) {
      const r = await runCommand('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', DESCRIBE_PS(pid)], 4000);
      if (!r.ok) return undefined;
      const facts = factsFromWinJson(r.stdout);
      if (!facts || facts.pid !== pid) return undefined;
      const key = `${pid}:${facts.startedAtMs ?? ''}`;
      const hit = cache.get(key);
      if (hit) return hit;
      cache.set(key, facts);
      return facts;
    },
    ownUser: () => ({ user: `${process.env.USERDOMAIN ?? ''}\\${process.env.USERNAME ?? ''}` }),
  };
}
