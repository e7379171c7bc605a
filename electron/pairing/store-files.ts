// Small file and map helpers of the pairing store.
import { promises as fsp, type BigIntStats } from 'node:fs';
import { errnoCode } from './atomic-file';
import type { PairedDevice } from './store-schema';

/** What one mutate changes for one device: its new record and JSON, or null when removed. */
export type Change = { device: PairedDevice; json: string } | null;

export async function statOrUndefined(file: string): Promise<BigIntStats | undefined> {
  try {
    return await fsp.stat(file, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function sameEntries(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The devices' JSON with `changes` applied, in file order, without copying the map. */
export function* mergedJson(base: Map<string, string>, changes: Map<string, Change>): Iterable<[string, string]> {
  for (const [id, json] of base) {
    if (!changes.has(id)) yield [id, json];
    else if (changes.get(id)) yield [id, changes.get(id)!.json];
  }
  for (const [id, change] of changes) if (change && !base.has(id)) yield [id, change.json];
}


