// A corrupt or unsafe config.json never loosens the policy (issue 7), with real files and a real gateway: the file
// is moved aside (or left, if unsafe), silent approval is off and pairing paused, it says so in status and on the
// log, it stays so across restarts, and saving a setting (the user acting) writes a fresh file and ends it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../shared/config';
import { startGateway, type Gateway } from '../gateway/gateway';
import { connectDevice, createIdentity } from '../testing/device-client';

const loose = { ...defaultConfig(), silentApproval: { enabled: true, ceiling: null }, pairingPaused: false };
const CORRUPTIONS: Array<[string, string]> = [
  ['truncated JSON', JSON.stringify(loose).slice(0, 40)],
  ['empty file', ''],
  ['null', 'null'],
  ['an array', '[]'],
  ['binary garbage', '\u0000\u00ff\u00fe{{{\u0007'],
  ['a wrong type', JSON.stringify({ ...loose, silentApproval: { enabled: 'yes', ceiling: null } })],
  ['an unknown field', JSON.stringify({ ...loose, silentApprovalEverywhere: true })],
  ['a future version', JSON.stringify({ ...loose, version: 2 })],
  ['an out-of-range limit', JSON.stringify({ ...loose, limits: { ...loose.limits, pendingTtlMs: -1 } })],
];

async function start(home: string, lines: string[]): Promise<Gateway> {
  return startGateway({ home, port: 0, log: (l) => lines.push(l) });
}

async function expectStrict(gw: Gateway, what: string): Promise<void> {
  assert.equal(gw.configHealth().ok, false, what);
  assert.equal(gw.config.get().silentApproval.enabled, false, `${what}: silent approval off`);
  assert.equal(gw.pairingPaused(), true, `${what}: pairing paused`);
  // A local device that would have been approved silently is refused while paused.
  const r = await connectDevice(gw.url, createIdentity(), { token: gw.gatewayToken(), scopes: ['operator.read'] });
  assert.equal(r.res.error?.details.code, 'PAIRING_PAUSED', what);
  r.socket.close();
  // Token holders see it in status; config.get says why.
  const admin = await connectDevice(gw.url, null, { token: gw.gatewayToken(), scopes: ['operator.admin'] });
  const status = await admin.socket.call('status');
  assert.equal(status.config.ok, false, what);
  assert.match(status.config.error, /silent approval is off and pairing is paused/);
  const cfg = await admin.socket.call('config.get', {});
  assert.equal(cfg.health.ok, false);
  admin.socket.close();
}

describe('a corrupt config.json', () => {
  for (const [what, bytes] of CORRUPTIONS) {
    test(`${what}: quarantined, strict until a setting is saved, strict across a restart`, async () => {
      const home = await mkdtemp(join(tmpdir(), 'loopgate-config-'));
      try {
        await writeFile(join(home, 'config.json'), bytes, { mode: 0o600 });
        const lines: string[] = [];
        let gw = await start(home, lines);
        await expectStrict(gw, what);
        assert.ok(lines.some((l) => /WARNING settings file unusable/.test(l)), 'said on the log (stderr headless)');
        const names = await readdir(home);
        const moved = names.find((n) => n.startsWith('config.json.corrupt-'));
        assert.ok(moved, 'moved aside');
        assert.equal(await readFile(join(home, moved), 'utf8'), bytes, 'kept byte for byte');
        assert.equal(gw.configHealth().quarantinedTo, join(home, moved));
        assert.equal(names.includes('config.json'), false, 'nothing written over it yet');
        await gw.close();

        // A restart does not forget: the copy aside keeps the gateway strict.
        gw = await start(home, lines);
        await expectStrict(gw, `${what}, restarted`);

        // The user acts: saving a setting from the window writes a fresh file; the rest stays strict.
        const window = await connectDevice(gw.url, null, { token: gw.issueOwnerCredential(), clientId: 'loopgate-ui', clientMode: 'ui' });
        const set = await window.socket.call('config.set', { path: 'pairingPaused', value: false });
        assert.equal(set.health.ok, true);
        assert.equal(gw.configHealth().ok, true);
        assert.equal(set.config.silentApproval.enabled, false, 'silent approval stays off until turned on');
        const written = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'));
        assert.equal(written.pairingPaused, false);
        assert.equal(written.silentApproval.enabled, false);
        const asks = await connectDevice(gw.url, createIdentity(), { token: gw.gatewayToken(), scopes: ['operator.read'] });
        assert.equal(asks.res.error?.details.code, 'PAIRING_REQUIRED', 'explicit, not silent');
        asks.socket.close();
        window.socket.close();
        await gw.close();
        gw = await start(home, lines);
        assert.equal(gw.configHealth().ok, true, 'fine after a restart');
        assert.equal(gw.pairingPaused(), false);
        await gw.close();
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    });
  }

  test('a config.json others may write is not trusted either (left in place, strict until saved)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'loopgate-config-'));
    try {
      await writeFile(join(home, 'config.json'), JSON.stringify(loose), { mode: 0o600 });
      await chmod(join(home, 'config.json'), 0o666);
      const gw = await start(home, []);
      await expectStrict(gw, 'world-writable');
      assert.match(gw.configHealth().error!, /writable by group or others/);
      await gw.setConfig('silentApproval.enabled', true);
      assert.equal(gw.configHealth().ok, true);
      await gw.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test('a valid file and no file at all are used as they are', async () => {
    const home = await mkdtemp(join(tmpdir(), 'loopgate-config-'));
    try {
      let gw = await start(home, []);
      assert.equal(gw.configHealth().ok, true);
      assert.equal(gw.config.get().silentApproval.enabled, true);
      await gw.close();
      await writeFile(join(home, 'config.json'), JSON.stringify({ ...loose, pairingPaused: true }), { mode: 0o600 });
      gw = await start(home, []);
      assert.equal(gw.configHealth().ok, true);
      assert.equal(gw.pairingPaused(), true);
      await gw.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
