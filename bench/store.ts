// The pairing store at 10, 1,000 and 10,000 devices: the journal (one fsynced record per decision) side by
// side with the whole-file rewrite it replaced (journal: false, kept only for this comparison).
// Run alone with `node --import tsx bench/store.ts`; `npm run bench` includes it.
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../electron/pairing/audit-log';
import { encodeChangeLine } from '../electron/pairing/journal';
import { PairingService } from '../electron/pairing/pairing-service';
import { PairingStore } from '../electron/pairing/pairing-store';
import { readStoreState } from '../electron/pairing/store-load';
import { seedStore } from './pairing';
import { startHeadless } from './processes';
import { round, summarize } from './stats';

export interface StoreRow {
  devices: number;
  mode: 'journal' | 'whole-file';
  decisions: number;
  median: number;
  p99: number;
  /** Bytes written by the store per decision, including compactions and the clean-shutdown snapshot. */
  bytesPerDecision: number;
  compactions: number;
}

function newAsk(): { deviceId: string; publicKey: string; role: string; scopes: string[]; platform: string; clientId: string; clientMode: string } {
  const raw = randomBytes(32);
  return { deviceId: createHash('sha256').update(raw).digest('hex'), publicKey: raw.toString('base64url'), role: 'operator', scopes: ['operator.read'], platform: 'linux', clientId: 'cli', clientMode: 'cli' };
}

/** `decisions` silent approvals of new local devices on a store already holding `devices`; then a clean close. */
export async function storeDecisions(devices: number, journal: boolean, decisions: number): Promise<StoreRow> {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-bench-store-'));
  await seedStore(home, devices);
  const store = await PairingStore.open(home, { journal });
  const audit = await AuditLog.open(home);
  const svc = new PairingService(store, audit, { ttlMs: 60_000, cooldownMs: 0, maxTotal: 32, maxPerAddress: 8 }, () => ({ enabled: true, ceiling: null }));
  const before = store.ioStats();
  const times: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const ask = newAsk();
    const t = performance.now();
    await svc.admit(ask, { locality: 'local', address: '127.0.0.1' });
    times.push(performance.now() - t);
  }
  svc.close();
  await store.close(); // the clean-shutdown snapshot counts too
  await audit.close();
  const after = store.ioStats();
  await rm(home, { recursive: true, force: true });
  const s = summarize(times);
  return {
    devices, mode: journal ? 'journal' : 'whole-file', decisions, median: s.median, p99: s.p99,
    bytesPerDecision: (after.bytesWritten - before.bytesWritten) / decisions, compactions: after.compactions - before.compactions,
  };
}

/**
 * `devices` paired and a full journal beside the snapshot: records (fresh last-seen data of existing devices)
 * up to just below the compaction threshold, the most a crash can leave to replay.
 */
export async function prepareFullJournal(home: string, devices: number): Promise<{ journalBytes: number; snapshotBytes: number }> {
  await seedStore(home, devices);
  const store = await PairingStore.open(home); // migrates: snapshot naming its lineage, empty journal
  const snapshotBytes = store.ioStats().bytesWritten;
  const state = await readStoreState(store.filePath, store.journalPath);
  const ids = Object.keys(state.devices);
  const lines: Buffer[] = [];
  let gen = state.generation;
  let journalBytes = 0;
  for (let i = 0; journalBytes < Math.max(1024 * 1024, snapshotBytes / 4) * 0.98; i++) {
    const d = state.devices[ids[i % ids.length]!]!;
    const line = encodeChangeLine(++gen, Date.now(), new Map([[d.deviceId, { json: JSON.stringify({ ...d, lastSeenAtMs: Date.now() }) }]]));
    lines.push(line);
    journalBytes += line.length;
  }
  await appendFile(store.journalPath, Buffer.concat(lines));
  // Not closed: close() would fold the journal into the snapshot, as a clean shutdown does.
  return { journalBytes, snapshotBytes };
}

/** Cold start with a full journal: the headless gateway from spawn to listening, and the store's open alone. */
export async function coldStart(devices = 10_000): Promise<{ gatewayMs: number; gatewayCpuMs: number | null; storeOpenMs: number; storeOpenCpuMs: number; journalBytes: number; snapshotBytes: number }> {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-bench-cold-'));
  const sizes = await prepareFullJournal(home, devices);
  const gw = await startHeadless(home);
  // CPU the gateway spent until it was listening: what ready costs without other processes competing.
  const gatewayCpuMs = await cpuMsOf(gw.child.pid!);
  await gw.stop();
  const other = await mkdtemp(join(tmpdir(), 'loopgate-bench-cold-'));
  await prepareFullJournal(other, devices);
  const t = performance.now();
  const cpu = process.cpuUsage();
  const opened = await PairingStore.open(other);
  const storeOpenMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const storeOpenCpuMs = (used.user + used.system) / 1000;
  if (opened.size() !== devices) throw new Error(`cold start lost devices: ${opened.size()}`);
  await opened.close();
  await rm(home, { recursive: true, force: true });
  await rm(other, { recursive: true, force: true });
  return { gatewayMs: gw.readyMs, gatewayCpuMs, storeOpenMs, storeOpenCpuMs, ...sizes };
}

/** utime + stime of a process from /proc (Linux), in ms; null elsewhere. */
async function cpuMsOf(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export async function storeRows(): Promise<StoreRow[]> {
  const rows: StoreRow[] = [];
  for (const devices of [10, 1000, 10_000]) {
    rows.push(await storeDecisions(devices, true, 1000));
    // The whole-file rewrite costs the same for every decision; fewer of them at 10,000 (each writes ~7 MB).
    rows.push(await storeDecisions(devices, false, devices >= 10_000 ? 100 : 1000));
  }
  return rows;
}

export function storeTable(rows: StoreRow[]): string[] {
  const kb = (b: number) => (b >= 1024 * 1024 ? `${round(b / 1024 / 1024, 1)} MB` : `${round(b / 1024, 1)} KB`);
  return [
    '| devices paired | store | decisions | silent pairing incl. durable write, median | p99 | bytes written per decision (incl. compaction and shutdown snapshot) | compactions |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.devices.toLocaleString('en-US')} | ${r.mode === 'journal' ? 'journal (one record per decision)' : 'whole-file rewrite (before)'} | ${r.decisions} | ${round(r.median)} ms | ${round(r.p99)} ms | ${kb(r.bytesPerDecision)} | ${r.compactions} |`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cold = await coldStart();
  console.log(`cold start, 10,000 devices + full journal (${round(cold.journalBytes / 1e6, 1)} MB beside a ${round(cold.snapshotBytes / 1e6, 1)} MB snapshot): gateway ready ${round(cold.gatewayMs, 0)} ms (${cold.gatewayCpuMs ?? 'n/a'} ms CPU), store open ${round(cold.storeOpenMs, 0)} ms (${round(cold.storeOpenCpuMs, 0)} ms CPU)`);
  const rows = await storeRows();
  console.log(storeTable(rows).join('\n'));
}
