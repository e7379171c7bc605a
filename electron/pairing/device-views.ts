// What the window and device.pair.list show of a paired device, and the serialized list kept warm: with
// 10,000 devices a list costs a cache lookup per device instead of a fresh view and JSON.stringify each.
import { fingerprintOf } from '../../shared/device-auth';
import { approvedRolesOf, approvedScopesOf } from '../../shared/pairing-decision';
import type { PairedDeviceView } from '../../shared/pairing-types';
import { normalizeScopes } from '../../shared/scopes';
import type { ProgramMemory } from '../attribution/program-memory';
import type { PairingStore } from './pairing-store';
import type { PairedDevice } from './store-schema';

export class DeviceViews {
  /** Serialized views, per record object (a mutation replaces the object) and revision (in-place changes). */
  private viewCache = new WeakMap<PairedDevice, { rev: number; json: string }>();
  /** Per record object too, so a removed or replaced record takes its entry with it. */
  private revs = new WeakMap<PairedDevice, number>();
  private listVersion = 0;
  private pairedCache: { version: number; json: string } | undefined;

  constructor(
    private readonly store: PairingStore,
    private readonly isConnected: (deviceId: string) => boolean,
    private readonly programs: ProgramMemory,
  ) {
    store.onChange(() => this.listVersion++);
  }

  view(d: PairedDevice): PairedDeviceView {
    const tokens = Object.values(d.tokens)
      .map((t) => ({ role: t.role, scopes: [...t.scopes], createdAtMs: t.createdAtMs,
        ...(t.rotatedAtMs ? { rotatedAtMs: t.rotatedAtMs } : {}), ...(t.revokedAtMs ? { revokedAtMs: t.revokedAtMs } : {}), ...(t.lastUsedAtMs ? { lastUsedAtMs: t.lastUsedAtMs } : {}) }))
      .sort((a, b) => a.role.localeCompare(b.role));
    return {
      deviceId: d.deviceId, publicKey: d.publicKey, fingerprint: fingerprintOf(d.deviceId),
      ...(d.operatorLabel ? { operatorLabel: d.operatorLabel } : {}),
      ...(d.displayName ? { displayName: d.displayName } : {}), ...(d.platform ? { platform: d.platform } : {}),
      ...(d.deviceFamily ? { deviceFamily: d.deviceFamily } : {}), ...(d.clientId ? { clientId: d.clientId } : {}),
      ...(d.clientMode ? { clientMode: d.clientMode } : {}), ...(d.role ? { role: d.role } : {}),
      roles: approvedRolesOf(d), scopes: normalizeScopes(d.scopes ?? approvedScopesOf(d)), approvedScopes: approvedScopesOf(d),
      ...(d.remoteIp ? { remoteIp: d.remoteIp } : {}), ...(d.approvedVia ? { approvedVia: d.approvedVia } : {}),
      createdAtMs: d.createdAtMs, approvedAtMs: d.approvedAtMs,
      ...(d.lastSeenAtMs ? { lastSeenAtMs: d.lastSeenAtMs } : {}), ...(d.lastSeenReason ? { lastSeenReason: d.lastSeenReason } : {}),
      connected: this.isConnected(d.deviceId), tokens,
      ...this.programs.viewOf(d),
    };
  }

  /** The paired devices as a JSON array; `reaches` (absent for token holders and the owner) narrows it to one device's session. */
  pairedJson(reaches?: (deviceId: string) => boolean): string {
    const everyone = !reaches;
    if (everyone && this.pairedCache?.version === this.listVersion) return this.pairedCache.json;
    const parts: string[] = [];
    for (const d of this.store.list()) {
      if (reaches && !reaches(d.deviceId)) continue;
      const rev = this.revs.get(d) ?? 0;
      const hit = this.viewCache.get(d);
      if (hit && hit.rev === rev) {
        parts.push(hit.json);
        continue;
      }
      const json = JSON.stringify(this.view(d));
      this.viewCache.set(d, { rev, json });
      parts.push(json);
    }
    const paired = `[${parts.join(',')}]`;
    if (everyone) this.pairedCache = { version: this.listVersion, json: paired };
    return paired;
  }

  /** Something a device's view shows changed in place (connected, last seen): its cached view is stale. */
  changed(rec: PairedDevice | undefined): void {
    if (rec) this.revs.set(rec, (this.revs.get(rec) ?? 0) + 1);
    this.listVersion++;
  }
}
