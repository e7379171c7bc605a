// Linux lookups on top of /proc: the peer process of one connection, and the holder of a listening port.
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { exeWarning, type ProcessFacts } from '../../shared/attribution';
import { cleanReported } from '../../shared/reported-text';
import { cleanCommandLine, scriptOf } from './clean-cmdline';
import { bootTimeMs, CLOCK_TICKS, parentChain, pidForInode, readArgv, readExe, readStat, readUid, userName } from './linux-proc';
import type { FoundSocket, ProcessCache } from './platform';
import { findListenerRow, findPeerSocketRow } from './socket-table-scan';

/** Facts about one process, read once per (pid, start time); undefined when it is gone or changed meanwhile. */
export async function describeLinuxProcess(pid: number, cache: ProcessCache, procRoot = '/proc'): Promise<ProcessFacts | undefined> {
  const st = await readStat(pid, procRoot);
  if (!st) return undefined;
  const key = `${pid}:${st.startTicks}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const [{ exe, deleted }, argv, uid, boot] = await Promise.all([readExe(pid, procRoot), readArgv(pid, procRoot), readUid(pid, procRoot), bootTimeMs(procRoot)]);
  const parents = await parentChain(st.ppid, procRoot);
  // The PID was reused (or the process exited) while we read: what we read may mix two processes.
  const again = await readStat(pid, procRoot);
  if (!again || again.startTicks !== st.startTicks) return undefined;
  const name = cleanReported(exe ? basename(exe) : st.comm, 64) ?? 'unknown';
  const title = cleanReported(st.comm, 64);
  const cmdline = argv ? cleanCommandLine(argv) : undefined;
  const script = argv ? scriptOf(name, argv) : undefined;
  const facts: ProcessFacts = {
    pid, name, ...(title && title !== name && !name.startsWith(title) ? { title } : {}),
    ...(exe ? { exe: cleanReported(exe, 1024)! } : {}), ...(deleted ? { exeDeleted: true } : {}),
    ...(cmdline ? { cmdline } : {}), ...(script ? { script } : {}),
    ...(uid !== undefined ? { uid, user: await userName(uid) } : {}),
    ...(boot !== undefined ? { startedAtMs: Math.round(boot + (st.startTicks / CLOCK_TICKS) * 1000) } : {}),
    parents,
  };
  const warning = exeWarning(exe, deleted);
  if (warning) facts.warning = warning;
  cache.set(key, facts);
  return facts;
}

/** The peer socket of one of our connections and the process holding it. */
export async function findLinuxPeer(peerPort: number, ourPort: number, likely: readonly number[], procRoot = '/proc', onOwner?: (uid: number) => void): Promise<FoundSocket> {
  // The gateway listens on 127.0.0.1, so its peers are in the IPv4 table; tcp6 only if not (v4-mapped).
  const row = await findPeerSocketRow(procRoot, peerPort, ourPort);
  if (!row) return { found: false };
  onOwner?.(row.uid);
  const pid = await pidForInode(row.inode, [...likely, ...(await ownProcessIfSmall(procRoot))], procRoot);
  return { found: true, uid: row.uid, ...(pid !== undefined ? { pid } : {}) };
}

/**
 * This process, as a candidate checked before the full scan, when it holds few descriptors: a client in the
 * gateway's own process (tests, tools embedding the gateway) is then found at once, at little cost otherwise.
 */
async function ownProcessIfSmall(procRoot: string): Promise<number[]> {
  if (procRoot !== '/proc') return [];
  try {
    return (await readdir('/proc/self/fd')).length <= 256 ? [process.pid] : [];
  } catch {
    return [];
  }
}

export async function findLinuxListener(port: number, procRoot = '/proc'): Promise<FoundSocket> {
  const row = await findListenerRow(procRoot, port);
  if (!row) return { found: false };
  const pid = await pidForInode(row.inode, [], procRoot);
  return { found: true, uid: row.uid, ...(pid !== undefined ? { pid } : {}) };
}
