// `loopgate gateway` and `loopgate status` as real processes, on a data folder whose config.json is corrupt:
// both say so on stderr, and status carries it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'loopgate.mjs');

test('a corrupt config.json is reported on stderr by the gateway and by loopgate status', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-status-cli-'));
  await writeFile(join(home, 'config.json'), '{"version":1,"pairingPaused":fal', { mode: 0o600 });
  const child = spawn(process.execPath, [bin, 'gateway', '--port', '0', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  const errLines: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => errLines.push(d));
  let port = 0;
  for await (const line of createInterface({ input: child.stdout! })) {
    const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
    if (m) { port = Number(m[1]); break; }
  }
  try {
    assert.ok(port > 0);
    assert.match(errLines.join(''), /loopgate: WARNING settings file unusable: .*config\.json.*moved to .*config\.json\.corrupt-.*silent approval is off and pairing is paused/);
    for (const args of [['status'], ['status', '--json']]) {
      const r = spawnSync(process.execPath, [bin, ...args, '--home', home, '--port', String(port)], { encoding: 'utf8', timeout: 15_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^loopgate: WARNING settings file unusable: /m);
      if (args.includes('--json')) {
        const s = JSON.parse(r.stdout);
        assert.equal(s.config.ok, false);
        assert.equal(s.pairingPaused, true);
        assert.equal(s.silentApproval.enabled, false);
      } else {
        assert.match(r.stdout, /^config: \{"ok":false/m);
      }
    }
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await rm(home, { recursive: true, force: true });
  }
});
