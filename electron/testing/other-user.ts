// Tests that run a child as another OS user (`nobody`) need root to switch, and a checkout that user can reach:
// a clone inside a private folder (mktemp -d makes them 0700) cannot be read by it, whatever the test checks.
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const NOBODY = 65534;
const repoRoot = join(import.meta.dirname, '..', '..');

/** Why a child cannot run as `nobody` here, or false when it can. */
export function asNobodyUnavailable(): string | false {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root to drop to nobody';
  for (let dir = repoRoot; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o001) === 0) return `user nobody cannot reach the checkout: ${dir} is mode 0${mode.toString(8)}`;
    if (dirname(dir) === dir) return false;
  }
}
