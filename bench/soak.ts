// `npm run soak [-- --minutes N]` (default 10): the headless gateway as a child process under reconnect churn
// and a pairing storm (approvals, denials, expiries), with one kill -9 in the middle and a restart. Prints
// handshake latency per window, the gateway's RSS, open files and bytes written, and whether any approval the
// gateway acknowledged was lost. Loopback only; stops by itself. Not part of `npm test`.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoreState } from '../electron/pairing/store-load';
import { connectDevice, createIdentity, type DeviceIdentity, type TestSocket } from '../electron/testing/device-client';
import { startHeadless, type Started } from './processes';
import { round, summarize } from './stats';

const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1] ?? NaN);
const totalMs = (Number.isFinite(minutes) && minutes > 0 ? minutes : 10) * 60_000;
const WINDOWS = 10;
const windowMs = totalMs / WINDOWS;
const CHURN_LANES = 4;
const PAIRED = 64;
const STORM_EVERY_MS = 40;
const PENDING_TTL_MS = 8_000;

interface Window {
  handshakes: number[];
  failures: number;
  rss: number[];
  fds: number[];
  writtenMb: number;
  /** Machine CPU ticks (all of /proc/stat's cpu line) and the part the hypervisor stole, first and last sample. */
  cpu: Array<{ total: number; steal: number }>;
}

const windows: Window[] = Array.from({ length: WINDOWS }, () => ({ handshakes: [], failures: 0, rss: [], fds: [], writtenMb: 0, cpu: [] }));

/** On a virtual machine another guest can take the CPU (steal time): shown per window, beside the latencies it inflates. */
async function cpuTicks(): Promise<{ total: number; steal: number } | null> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
    const n = line.trim().split(/\s+/).slice(1).map(Number);
    return { total: n.slice(0, 8).reduce((a, b) => a + b, 0), steal: n[7] ?? 0 };
  } catch {
    return null;
  }
}
const counts = { requested: 0, approved: 0, denied: 0, expired: 0, approveFailed: 0 };
const acked = new Set<string>();
let t0 = performance.now();
const windowOf = () => windows[Math.min(WINDOWS - 1, Math.floor((performance.now() - t0) / windowMs))]!;

// Bounded: whatever happens, the soak ends.
const hardStop = setTimeout(() => {
  console.error('soak: did not finish in time; stopping');
  process.exit(2);
}, totalMs + 180_000);
hardStop.unref();

async function procNumber(pid: number, file: string, pattern: RegExp): Promise<number | null> {
  try {
    const m = pattern.exec(await readFile(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function fdCount(pid: number): Promise<number | null> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return null;
  }
}

// ---- the gateway process, restartable ----------------------------------------------------------------

const home = await mkdtemp(join(tmpdir(), 'loopgate-soak-'));
await writeFile(join(home, 'config.json'), JSON.stringify({
  version: 1, port: 0, silentApproval: { enabled: true, ceiling: null }, pairingPaused: false,
  limits: { pendingMax: 1000, pendingPerAddress: 1000, pendingTtlMs: PENDING_TTL_MS, denyCooldownMs: 1000, maxPayloadBytes: 1_048_576 },
}), { mode: 0o600 });

let gw: Started = await startHeadless(home);
let up: Promise<void> = Promise.resolve();
let stopping = false;
/** write_bytes of gateway processes that are gone (the killed one), plus the live one's. */
let writtenBefore = 0;
const token = (await readFile(join(home, 'gateway-token'), 'utf8')).trim();

async function writtenBytes(): Promise<number> {
  return writtenBefore + ((await procNumber(gw.child.pid!, 'io', /write_bytes:\s+(\d+)/)) ?? 0);
}

// ---- setup: paired devices for the churn -------------------------------------------------------------

const paired: Array<{ id: DeviceIdentity; deviceToken: string }> = [];
for (let i = 0; i < PAIRED; i++) {
  const id = createIdentity();
  const r = await connectDevice(gw.url, id, { token, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
  if (!r.res.ok) throw new Error(`setup pairing failed: ${JSON.stringify(r.res.error)}`);
  paired.push({ id, deviceToken: r.res.payload.auth.deviceToken as string });
  r.socket.close();
}
await new Promise((r) => setTimeout(r, 1000));
const rssAfterSetup = (await procNumber(gw.child.pid!, 'status', /VmRSS:\s+(\d+) kB/))! / 1024;

// ---- the decider: approves, denies or lets requests lapse, as a user would --------------------------

const pendingNow = new Map<string, number>(); // requestId → expiresAtMs
const announcedAt = new Map<string, number>(); // requestId → when the decider heard of it
const deciding = new Set<string>(); // decisions sent, not answered yet
let decider: TestSocket | undefined;

async function connectDecider(): Promise<void> {
  const r = await connectDevice(gw.url, null, { token, scopes: ['operator.admin'] });
  if (!r.res.ok) throw new Error(`decider: ${JSON.stringify(r.res.error)}`);
  decider = r.socket;
  decider.ws.on('message', (data) => {
    let f: { type?: string; event?: string; payload?: { requestId: string; deviceId: string; expiresAtMs: number; cause?: string } };
    try {
      f = JSON.parse(String(data));
    } catch {
      return;
    }
    if (f.type !== 'event' || !f.payload) return;
    if (f.event === 'device.pair.resolved') {
      pendingNow.delete(f.payload.requestId);
      announcedAt.delete(f.payload.requestId);
      if (f.payload.cause === 'expired') counts.expired++;
      return;
    }
    if (f.event !== 'device.pair.requested') return;
    const req = f.payload;
    pendingNow.set(req.requestId, req.expiresAtMs);
    announcedAt.set(req.requestId, performance.now());
    counts.requested++;
    const roll = Math.random();
    if (roll >= 0.8) return; // lapses: expires as a deny
    const socket = decider!;
    setTimeout(() => {
      if (stopping || socket !== decider) return;
      const method = roll < 0.6 ? 'device.pair.approve' : 'device.pair.reject';
      deciding.add(req.requestId);
      void socket.request(method, { requestId: req.requestId }).finally(() => deciding.delete(req.requestId)).then((res) => {
        if (!res.ok) counts.approveFailed++;
        else if (method === 'device.pair.approve') {
          counts.approved++;
          acked.add(req.deviceId); // acknowledged: must never be lost
        } else counts.denied++;
      }, () => counts.approveFailed++);
    }, 20 + Math.random() * 200);
  });
}
await connectDecider();

// ---- load: reconnect churn and the pairing storm ------------------------------------------------------

async function churnLane(): Promise<void> {
  while (!stopping) {
    await up;
    const { id, deviceToken } = paired[Math.floor(Math.random() * paired.length)]!;
    const t = performance.now();
    try {
      const r = await connectDevice(gw.url, id, { deviceToken, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
      const ms = performance.now() - t;
      if (r.res.ok) windowOf().handshakes.push(ms);
      else windowOf().failures++;
      r.socket.close();
      await r.socket.closed;
    } catch {
      windowOf().failures++;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function stormLane(): Promise<void> {
  let n = 0;
  while (!stopping) {
    await up;
    await new Promise((r) => setTimeout(r, STORM_EVERY_MS));
    try {
      // Through a proxy: never silent, always a request for the user.
      const r = await connectDevice(gw.url, createIdentity(), { token, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli', headers: { 'X-Forwarded-For': `10.9.${(n >> 8) & 255}.${n & 255}` } });
      r.socket.close();
    } catch {
      // gateway down for the restart
    }
    n++;
  }
}

async function sampler(): Promise<void> {
  while (!stopping) {
    const pid = gw.child.pid!;
    const w = windowOf();
    const rss = await procNumber(pid, 'status', /VmRSS:\s+(\d+) kB/);
    const fds = await fdCount(pid);
    if (rss !== null) w.rss.push(rss / 1024);
    if (fds !== null) w.fds.push(fds);
    const cpu = await cpuTicks();
    if (cpu) w.cpu.splice(Math.min(1, w.cpu.length), 1, cpu); // first and latest
    w.writtenMb = (await writtenBytes()) / 1e6;
    await new Promise((r) => setTimeout(r, Math.min(2000, windowMs / 6)));
  }
}

// ---- one kill -9 in the middle of the storm -----------------------------------------------------------

const restart: { ms?: number; pendingBefore?: number; pendingBack?: number; lapsed?: number; lostAtRestart?: number; rssAfterSetup?: number } = {};
// At 30%: the second half, whose RSS slope is judged, then runs on the restarted gateway after it warmed up.
async function killMidStorm(): Promise<void> {
  await new Promise((r) => setTimeout(r, totalMs * 0.3));
  let release!: () => void;
  up = new Promise((r) => (release = r));
  writtenBefore = await writtenBytes();
  // Waiting at the kill: requests announced (and so on disk) a moment ago that nobody has decided or is deciding.
  // One announced in the last few ms may still be on its way to disk; its device has not got its id yet.
  const settled = performance.now() - 100;
  const before = new Map([...pendingNow].filter(([id]) => !deciding.has(id) && (announcedAt.get(id) ?? 0) < settled));
  gw.child.kill('SIGKILL');
  await new Promise((r) => gw.child.once('exit', r));
  const t = performance.now();
  gw = await startHeadless(home);
  restart.ms = performance.now() - t;
  decider?.close();
  pendingNow.clear();
  announcedAt.clear();
  await connectDecider();
  const list = await decider!.call('device.pair.list');
  const back = new Set((list.pending as Array<{ requestId: string }>).map((p) => p.requestId));
  restart.pendingBefore = before.size;
  restart.pendingBack = [...before.keys()].filter((id) => back.has(id)).length;
  restart.lapsed = [...before.entries()].filter(([id, exp]) => !back.has(id) && exp <= Date.now() + 1000).length;
  const pairedNow = new Set((list.paired as Array<{ deviceId: string }>).map((d) => d.deviceId));
  restart.lostAtRestart = [...acked].filter((id) => !pairedNow.has(id)).length;
  for (const [id, exp] of (list.pending as Array<{ requestId: string; expiresAtMs: number }>).map((p) => [p.requestId, p.expiresAtMs] as const)) pendingNow.set(id, exp);
  // The restarted process's own "after setup": store replayed, decider back, no load yet (the lanes wait on `up`).
  await new Promise((r) => setTimeout(r, 1000));
  restart.rssAfterSetup = (await procNumber(gw.child.pid!, 'status', /VmRSS:\s+(\d+) kB/))! / 1024;
  release();
}

console.log(`soak: ${round(totalMs / 60_000, 2)} min, windows of ${round(windowMs / 1000, 1)} s, gateway pid ${gw.child.pid} on ${gw.url}, home ${home}`);
t0 = performance.now(); // windows count from here, after setup
const lanes = [...Array.from({ length: CHURN_LANES }, churnLane), stormLane(), sampler(), killMidStorm()];
await new Promise((r) => setTimeout(r, totalMs));
stopping = true;
await Promise.allSettled(lanes);
decider?.close();

// ---- after every client has left ----------------------------------------------------------------------

// The gateway's own timers (expiries, sweeps, the batch of last-seen writes) release what they hold within
// seconds, and V8 gives back its heap on its own schedule: RSS is sampled every 2 s for a bounded minute and the
// whole series printed. No collection is forced from here.
const SETTLE_MS = 60_000;
const IDLE_EVERY_MS = 2_000;
const idle: number[] = [];
for (let t = 0; t < SETTLE_MS; t += IDLE_EVERY_MS) {
  await new Promise((r) => setTimeout(r, IDLE_EVERY_MS));
  const rss = await procNumber(gw.child.pid!, 'status', /VmRSS:\s+(\d+) kB/);
  if (rss !== null) idle.push(rss / 1024);
}
const check = await connectDevice(gw.url, null, { token, scopes: ['operator.admin'] });
const final = await check.socket.call('device.pair.list');
const gwMemory = ((await check.socket.call('status')) as { memory?: { idleTrims?: { trims: number; lastBefore?: number; lastAfter?: number }; held?: Record<string, number> } }).memory;
check.socket.close();
const pairedAtEnd = new Set((final.paired as Array<{ deviceId: string }>).map((d) => d.deviceId));
const lost = [...acked].filter((id) => !pairedAtEnd.has(id)).length;
const totalWritten = await writtenBytes();
await gw.stop(); // clean shutdown: the journal is folded into the snapshot
const onDisk = await readStoreState(join(home, 'pairing.json'), join(home, 'pairing.journal'));
const lostOnDisk = [...acked].filter((id) => !onDisk.devices[id]).length;
const storeFiles = await readdir(home);
await rm(home, { recursive: true, force: true });

// ---- report ------------------------------------------------------------------------------------------

const rows = windows.map((w, i) => {
  const s = summarize(w.handshakes);
  const [a, b] = w.cpu;
  const stolen = a && b && b.total > a.total ? `${Math.round((100 * (b.steal - a.steal)) / (b.total - a.total))}%` : 'n/a';
  return { i, n: w.handshakes.length, median: s.median, p99: s.p99, failures: w.failures, rss: w.rss.at(-1) ?? NaN, fds: w.fds.length ? `${Math.min(...w.fds)}–${Math.max(...w.fds)}` : 'n/a', mb: w.writtenMb, stolen };
});
console.log('\n| window | handshakes | median | p99 | failed | RSS (end) | fds | written so far | CPU taken by the host |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.i + 1} | ${r.n} | ${round(r.median)} ms | ${round(r.p99)} ms | ${r.failures} | ${round(r.rss, 1)} MB | ${r.fds} | ${round(r.mb, 1)} MB | ${r.stolen} |`);

// RSS slope over the second half: least squares over (minute, MB) samples.
const half: Array<[number, number]> = [];
windows.slice(WINDOWS / 2).forEach((w, k) => w.rss.forEach((mb, j) => half.push([((WINDOWS / 2 + k) * windowMs + (j / Math.max(1, w.rss.length)) * windowMs) / 60_000, mb])));
const mx = half.reduce((a, [x]) => a + x, 0) / (half.length || 1);
const my = half.reduce((a, [, y]) => a + y, 0) / (half.length || 1);
const slope = half.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / (half.reduce((a, [x]) => a + (x - mx) ** 2, 0) || 1);
// Beside it (not instead of it): the slope of each second-half window's lowest RSS, which follows what stays
// after collections rather than where in V8's collection cycle the samples fell.
const floors = windows.slice(WINDOWS / 2).map((w, k) => [((WINDOWS / 2 + k + 0.5) * windowMs) / 60_000, w.rss.length ? Math.min(...w.rss) : NaN] as const).filter(([, y]) => Number.isFinite(y));
const fx = floors.reduce((a, [x]) => a + x, 0) / (floors.length || 1);
const fy = floors.reduce((a, [, y]) => a + y, 0) / (floors.length || 1);
const floorSlope = floors.reduce((a, [x, y]) => a + (x - fx) * (y - fy), 0) / (floors.reduce((a, [x]) => a + (x - fx) ** 2, 0) || 1);
const handshakes = rows.reduce((a, r) => a + r.n, 0);
const firstP99 = rows[0]!.p99;
const lastP99 = rows.at(-1)!.p99;
const idleRss = idle.at(-1) ?? NaN;
const idle10 = idle[Math.round(10_000 / IDLE_EVERY_MS) - 1] ?? NaN;
const restartSetup = restart.rssAfterSetup ?? NaN;
const decisions = counts.approved + counts.denied;

console.log(`
## Soak (${round(totalMs / 60_000, 2)} min, \`npm run soak -- --minutes ${round(totalMs / 60_000, 2)}\`)
- ${handshakes.toLocaleString('en-US')} paired-device handshakes (${CHURN_LANES} reconnecting lanes, ${PAIRED} devices), ${counts.requested.toLocaleString('en-US')} pairing requests: ${counts.approved} approved, ${counts.denied} denied, ${counts.expired} expired; one kill -9 at 30% of the run, restarted in ${round(restart.ms ?? NaN, 0)} ms
- handshake p99 first window ${round(firstP99)} ms, last window ${round(lastP99)} ms (${round(lastP99 / firstP99)}×; target ≤ 1.5×)
- RSS after setup: ${round(rssAfterSetup, 1)} MB in the first process, ${round(restartSetup, 1)} MB in the restarted one (right after its restart, decider connected, before load resumed)
- RSS second-half slope ${round(slope, 2)} MB/min (target < 2); of each window's lowest RSS: ${round(floorSlope, 2)} MB/min (${floors.map(([, y]) => round(y, 1)).join(', ')} MB)
- RSS of the restarted process after all clients left: ${round(idle10, 1)} MB after 10 s, ${round(idleRss, 1)} MB after ${SETTLE_MS / 1000} s (${round(idleRss - restartSetup, 1)} MB above its own after-setup level, ${round(idleRss - rssAfterSetup, 1)} MB above the first process's; target ≤ 20); every ${IDLE_EVERY_MS / 1000} s: ${idle.map((mb) => round(mb, 1)).join(', ')}
- held by the gateway after the settle (its admin status; the one connection is this check): ${Object.entries(gwMemory?.held ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'n/a'}
- the gateway's idle trims (memory/idle-trim.ts): ${gwMemory?.idleTrims?.trims ?? 'n/a'}${gwMemory?.idleTrims?.lastBefore ? ` (last: heap ${round(gwMemory.idleTrims.lastBefore / 1048576, 1)} → ${round((gwMemory.idleTrims.lastAfter ?? NaN) / 1048576, 1)} MB)` : ''}
- bytes written by the gateway: ${round(totalWritten / 1e6, 1)} MB in all, ${round(totalWritten / Math.max(1, decisions) / 1024, 1)} KB per decision (approval or denial, audit log included)
- pending requests at the kill: ${restart.pendingBefore}; back after the restart with the same id: ${restart.pendingBack} (${restart.lapsed} lapsed while down, then expired on record)
- lost approvals: ${lost} of ${acked.size} acknowledged (at the restart: ${restart.lostAtRestart}; on disk after a clean stop: ${lostOnDisk}); ${counts.approveFailed} decisions failed (in flight at the kill, never acknowledged)
- store folder at the end: ${storeFiles.sort().join(', ')}`);
process.exit(lost || lostOnDisk || restart.lostAtRestart ? 1 : 0);
