// "Last connected from": the program each paired device connects from. The latest is held in memory; the
// store is written only when it differs from what is stored (a new program), so reconnects cost no write.
import { programOf, sameProgram, type PeerAttribution, type ProgramRef } from '../../shared/attribution';
import type { ProgramHistory } from '../../shared/pairing-types';
import type { PairingStore } from '../pairing/pairing-store';
import { isProcessAlive as processAlive } from '../pairing/process-alive';

/** A reconnecting device is traced again at most this often (the bench reconnects one device thousands of times). */
export const RETRACE_MS = 10_000;

export class ProgramMemory {
  private latest = new Map<string, ProgramRef>();
  private lookedAt = new Map<string, { at: number; pid?: number }>();

  constructor(private readonly store: PairingStore, private readonly changed: (deviceId: string) => void, private readonly now: () => number = Date.now) {}

  /**
   * Whether a connect of this device should be traced now (and marks it as traced): the first time, when the
   * process last seen has gone (a new process, maybe another program), or every RETRACE_MS.
   */
  due(deviceId: string): boolean {
    const at = this.now();
    const last = this.lookedAt.get(deviceId);
    if (last !== undefined && at - last.at < RETRACE_MS && (last.pid === undefined || processAlive(last.pid))) return false;
    if (this.lookedAt.size > 50_000) this.lookedAt.clear();
    this.lookedAt.set(deviceId, { at });
    return true;
  }

  async record(deviceId: string, attribution: PeerAttribution): Promise<void> {
    const program = programOf(attribution, this.now());
    const rec = this.store.get(deviceId);
    if (!program || !rec) return;
    this.latest.set(deviceId, program);
    this.lookedAt.set(deviceId, { at: this.now(), ...(program.pid ? { pid: program.pid } : {}) });
    this.changed(deviceId);
    if (rec.lastFrom && sameProgram(rec.lastFrom, program) && rec.lastFrom.exe === program.exe) return;
    try {
      await this.store.mutate((devices) => {
        const d = devices.get(deviceId);
        if (d) d.lastFrom = program;
      });
    } catch {
      // informational: the store reports its own health; the in-memory view still shows it
    }
  }

  viewOf(d: ProgramHistory & { deviceId: string }): ProgramHistory & { programChanged?: boolean } {
    const mem = this.latest.get(d.deviceId);
    const last = mem && (!d.lastFrom || mem.atMs >= d.lastFrom.atMs) ? mem : d.lastFrom;
    const changed = !!d.approvedFrom && !!last && !sameProgram(d.approvedFrom, last);
    return { ...(d.approvedFrom ? { approvedFrom: d.approvedFrom } : {}), ...(last ? { lastFrom: last } : {}), ...(changed ? { programChanged: true } : {}) };
  }

  forget(deviceId: string): void {
    this.latest.delete(deviceId);
    this.lookedAt.delete(deviceId);
  }
}
