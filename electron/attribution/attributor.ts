// Who is asking: one lookup per connection, through the OS backend that works here, never throwing and
// never waiting long. Facts are cached per (pid, start time), so sub-agents of one program cost one read.
import { access } from 'node:fs/promises';
import type { AttributionMethod, PeerAttribution, ProcessFacts } from '../../shared/attribution';
import { describeLinuxProcess, findLinuxListener, findLinuxPeer } from './linux-attribution';
import { macosBackend } from './macos-lsof';
import type { AttributionBackend, FoundSocket, ProcessCache } from './platform';
import { windowsBackend } from './windows-netstat';

export const LOOKUP_TIMEOUT_MS = 2000;
const CACHE_MAX = 512;
const CACHE_TTL_MS = 60_000;
const LIKELY_MAX = 16;

export function linuxBackend(procRoot = '/proc'): AttributionBackend {
  return {
    method: 'linux-proc',
    findPeer: (peerPort, ourPort, likely, onOwner) => findLinuxPeer(peerPort, ourPort, likely, procRoot, onOwner),
    findListener: (port) => findLinuxListener(port, procRoot),
    describe: (pid, cache) => describeLinuxProcess(pid, cache, procRoot),
    ownUser: () => ({ uid: process.getuid?.() }),
  };
}

/** The backend for this OS, or null where none works (then everything is "unknown" and the old rule stands). */
export async function detectBackend(platform: NodeJS.Platform = process.platform): Promise<AttributionBackend | null> {
  if (platform === 'linux') {
    try {
      await access('/proc/net/tcp');
      return linuxBackend();
    } catch {
      return null;
    }
  }
  if (platform === 'darwin') return macosBackend();
  if (platform === 'win32') return windowsBackend();
  return null;
}

class FactsCache implements ProcessCache {
  private map = new Map<string, { facts: ProcessFacts; at: number }>();
  get(key: string): ProcessFacts | undefined {
    const hit = this.map.get(key);
    if (!hit || Date.now() - hit.at > CACHE_TTL_MS) return undefined;
    return hit.facts;
  }
  set(key: string, facts: ProcessFacts): void {
    if (this.map.size >= CACHE_MAX) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, { facts, at: Date.now() });
  }
}

export interface PeerHints {
  /** The connection came from Loopgate's own window (its app origin). */
  window?: boolean;
  /** The connection came from the headless dashboard in a browser (the gateway's own http origin). */
  dashboard?: boolean;
}

/** Loopgate's own command line client, recognised by what it runs. */
function isLoopgateCli(p: ProcessFacts): boolean {
  const line = p.cmdline ?? '';
  return /(?:^|[\s/\\])(?:loopgate(?:\.mjs|\.cmd|\.exe)?|bin\/loopgate\.mjs|dist\/cli\.mjs)(?:\s|$)/i.test(line) || /^loopgate(\.exe)?$/i.test(p.name);
}

export function namedAsLoopgate(p: ProcessFacts, hints: PeerHints): ProcessFacts {
  if (hints.window) return { ...p, known: 'loopgate-window' };
  if (hints.dashboard) return { ...p, known: 'loopgate-dashboard' };
  if (isLoopgateCli(p)) return { ...p, known: 'loopgate-cli' };
  return p;
}

export class Attributor {
  private readonly cache = new FactsCache();
  private likely: number[] = [];

  constructor(private readonly backend: AttributionBackend | null, private readonly timeoutMs = LOOKUP_TIMEOUT_MS) {}

  static async forThisOs(): Promise<Attributor> {
    return new Attributor(await detectBackend());
  }

  get method(): AttributionMethod {
    return this.backend?.method ?? 'none';
  }

  /** For Settings and `loopgate status`: which method works on this OS, in words. */
  describe(): { method: AttributionMethod; works: boolean; text: string } {
    const text: Record<AttributionMethod, string> = {
      'linux-proc': 'Linux /proc: socket owner, process and parent chain for every local connection',
      'macos-lsof': 'macOS lsof and ps: process and parent chain for every local connection',
      'windows-netstat': 'Windows netstat and CIM: owning process, its path, command line and owner',
      none: 'not available on this system: programs show as unknown and the same-user check cannot run',
    };
    return { method: this.method, works: this.backend !== null, text: text[this.method] };
  }

  /** The process at the other end of a connection we accepted on `ourPort` from `peerPort`. */
  peer(peerPort: number, ourPort: number, hints: PeerHints = {}): Promise<PeerAttribution> {
    // The owner comes first and cheaply: even a lookup that runs out of time (a flood of processes to scan)
    // still tells another user's socket apart.
    let owner: number | undefined;
    return this.bounded(async (b) => {
      const sock = await b.findPeer(peerPort, ourPort, this.likely, (uid) => { owner = uid; });
      const result = await this.resolve(b, sock, hints);
      if (result.process) this.remember(result.process.pid);
      return result;
    }, () => {
      const own = this.backend?.ownUser().uid;
      return owner === undefined ? {} : { socketUid: owner, ...(own !== undefined ? { sameUser: owner === own } : {}) };
    });
  }

  /** The process listening on `port` (who holds the gateway's port). */
  listener(port: number): Promise<PeerAttribution> {
    return this.bounded(async (b) => this.resolve(b, await b.findListener(port), {}));
  }

  private async resolve(b: AttributionBackend, sock: FoundSocket, hints: PeerHints): Promise<PeerAttribution> {
    const atMs = Date.now();
    const own = b.ownUser();
    const sameBySocket = sock.uid !== undefined && own.uid !== undefined ? sock.uid === own.uid : undefined;
    const base = { method: b.method, atMs, ...(sock.uid !== undefined ? { socketUid: sock.uid } : {}) };
    if (!sock.found) return { ...base, status: 'exited', why: 'the connection closed before it could be traced' };
    if (sock.pid === undefined) {
      return { ...base, status: 'unknown', why: 'the process holding the socket could not be seen', ...(sameBySocket !== undefined ? { sameUser: sameBySocket } : {}) };
    }
    const facts = await b.describe(sock.pid, this.cache);
    if (!facts) return { ...base, status: 'exited', why: 'the process exited (or its PID was reused) during the lookup', ...(sameBySocket !== undefined ? { sameUser: sameBySocket } : {}) };
    const byProcess = facts.uid !== undefined && own.uid !== undefined ? facts.uid === own.uid
      : facts.user !== undefined && own.user !== undefined ? facts.user.toLowerCase() === own.user.toLowerCase() : undefined;
    // Either owner being someone else makes the peer another user's.
    const sameUser = sameBySocket === false || byProcess === false ? false : sameBySocket ?? byProcess;
    return { ...base, status: 'found', process: namedAsLoopgate(facts, hints), ...(sameUser !== undefined ? { sameUser } : {}) };
  }

  private remember(pid: number): void {
    this.likely = [pid, ...this.likely.filter((p) => p !== pid)].slice(0, LIKELY_MAX);
  }

  /** Never throws, never takes longer than the timeout. */
  private bounded(run: (b: AttributionBackend) => Promise<PeerAttribution>, partial: () => Partial<PeerAttribution> = () => ({})): Promise<PeerAttribution> {
    const b = this.backend;
    if (!b) return Promise.resolve({ status: 'unknown', method: 'none', why: 'process attribution is not available on this system', atMs: Date.now() });
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ...partial(), status: 'unknown', method: b.method, why: `lookup took longer than ${this.timeoutMs} ms`, atMs: Date.now() }), this.timeoutMs);
      run(b).then(resolve, (e: unknown) => resolve({ status: 'unknown', method: b.method, why: `lookup failed: ${String((e as Error)?.message ?? e).slice(0, 200)}`, atMs: Date.now() }))
        .finally(() => clearTimeout(timer));
    });
  }
}
