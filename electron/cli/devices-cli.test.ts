// `loopgate devices …` against a real gateway process: list, approve, reject, rotate, revoke, remove.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connectDevice, createIdentity } from '../testing/device-client';
import { LOOPGATE_BIN as bin, startGatewayProcess, type GatewayProcess } from '../testing/gateway-process';

let gw: GatewayProcess;
let home: string;
let port: number;
let url: string;

before(async () => {
  gw = await startGatewayProcess('loopgate-devices-cli-');
  ({ home, port, url } = gw);
});
after(async () => {
  await gw.stop();
});

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args, '--home', home, '--port', String(port)], { encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

const token = () => cli('token').out;
const remoteAsk = async (role = 'operator') => {
  const id = createIdentity();
  const r = await connectDevice(url, id, { token: token(), role, scopes: role === 'operator' ? ['operator.read'] : [], headers: { Host: 'gateway.example' }, displayName: 'ci runner' });
  return { id, requestId: r.res.error!.details.requestId as string };
};

test('list shows pending and paired; approve and reject print what OpenClaw prints', async () => {
  assert.equal(cli('devices', 'list').out, 'No device pairing entries.');
  const a = await remoteAsk();
  const b = await remoteAsk('node');
  const text = cli('devices', 'list').out;
  assert.match(text, /^Pending \(2\)/);
  assert.match(text, /ci runner \(reported\)/);
  const json = JSON.parse(cli('devices', 'list', '--json').out);
  assert.equal(json.pending.length, 2);
  assert.equal(cli('devices', 'approve', a.requestId).out, `Approved ${a.id.deviceId} (${a.requestId})`);
  assert.equal(cli('devices', 'reject', b.requestId).out, `Rejected ${b.id.deviceId}`);
  const gone = cli('devices', 'approve', b.requestId);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /unknown requestId/);
  assert.match(cli('devices', 'list').out, /^Paired \(1\)/);
});

test('rotate prints the new token once; revoke and remove take effect at once', async () => {
  const id = createIdentity();
  const first = await connectDevice(url, id, { token: token(), scopes: ['operator.read'] });
  first.socket.close();
  const rotated = JSON.parse(cli('devices', 'rotate', '--device', id.deviceId, '--role', 'operator').out);
  assert.match(rotated.token, /^[A-Za-z0-9_-]{43}$/);
  const live = await connectDevice(url, id, { deviceToken: rotated.token, scopes: ['operator.read'] });
  assert.equal(live.res.ok, true);
  const revoked = JSON.parse(cli('devices', 'revoke', '--device', id.deviceId, '--role', 'operator').out);
  assert.equal(typeof revoked.revokedAtMs, 'number');
  assert.equal((await live.socket.closed).code, 1008);
  assert.equal(cli('devices', 'remove', id.deviceId).out, `Removed ${id.deviceId}`);
  const again = cli('devices', 'remove', id.deviceId);
  assert.equal(again.code, 1);
  assert.match(again.err, /unknown deviceId/);
  const usage = cli('devices', 'rotate', '--device', id.deviceId);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /missing --role/);
});

test('rename gives a paired device the user\'s name, shown apart from the reported one', async () => {
  const id = createIdentity();
  const first = await connectDevice(url, id, { token: token(), scopes: ['operator.read'], displayName: 'agent-7' });
  first.socket.close();
  assert.equal(cli('devices', 'rename', id.deviceId, '--name', 'Build agent').out, `Renamed ${id.deviceId} → Build agent`);
  const text = cli('devices', 'list').out;
  assert.match(text, /Name\s+Reported name/);
  assert.match(text, /Build agent\s+agent-7/);
  const entry = JSON.parse(cli('devices', 'list', '--json').out).paired.find((d: { deviceId: string }) => d.deviceId === id.deviceId);
  assert.equal(entry.operatorLabel, 'Build agent');
  assert.equal(entry.displayName, 'agent-7');
  const missing = cli('devices', 'rename', id.deviceId);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /missing --name/);
  const unknown = cli('devices', 'rename', '0'.repeat(64), '--name', 'x');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown deviceId/);
});
