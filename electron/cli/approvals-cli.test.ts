// `loopgate approvals …` against a real gateway process: list, allow (once, 30 minutes, always), deny, revoke.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connectDevice, type Frame, type TestSocket } from '../testing/device-client';
import { LOOPGATE_BIN as bin, startGatewayProcess, type GatewayProcess } from '../testing/gateway-process';
import { startFakeNode, type FakeNode } from '../testing/fake-node';
import { approveNodeCommands } from '../testing/node-commands';

let gw: GatewayProcess;
let home: string;
let port: number;
let url: string;
let node: FakeNode;
let asker: TestSocket;

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args, '--home', home, '--port', String(port)], { encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

before(async () => {
  gw = await startGatewayProcess('loopgate-approvals-cli-');
  ({ home, port, url } = gw);
  const token = cli('token').out;
  node = await startFakeNode(url, token, { displayName: 'build box' });
  await approveNodeCommands(url, token, node.id.deviceId);
  asker = (await connectDevice(url, null, { token, scopes: ['operator.approvals'], clientId: 'gateway-client', clientMode: 'backend' })).socket;
});
after(async () => {
  asker.close();
  node.socket.close();
  await gw.stop();
});

/** A headless gateway has no window or tray, so these requests ask to wait without a delivery route. */
async function ask(argv: string[]): Promise<{ id: string; final: Promise<Frame> }> {
  const reqId = `a${Math.random().toString(36).slice(2)}`;
  const plan = { argv, cwd: '/srv', commandText: argv.join(' '), commandPreview: null, agentId: 'main', sessionKey: 's' };
  asker.send({ type: 'req', id: reqId, method: 'exec.approval.request', params: { systemRunPlan: plan, host: 'node', nodeId: node.id.deviceId, requireDeliveryRoute: false, twoPhase: true } });
  const first = await asker.next((f) => f.type === 'res' && f.id === reqId);
  return { id: first.payload.id, final: asker.next((f) => f.type === 'res' && f.id === reqId && f !== first) };
}

test('list shows pending requests with who asked; allow once, deny and always decide them', async () => {
  assert.equal(cli('approvals', 'list').out, 'No pending exec approvals.');
  const a = await ask(['/usr/bin/make', 'deploy']);
  const b = await ask(['/bin/rm', '-rf', 'build']);
  const text = cli('approvals', 'list').out;
  assert.match(text, /^Pending \(2\)/);
  assert.match(text, /\/usr\/bin\/make deploy/);
  assert.match(text, /build box \(reported\)/);
  assert.match(text, /gateway token holder \(gateway-client\)/);
  const json = JSON.parse(cli('approvals', 'list', '--json').out);
  assert.deepEqual(json.approvals.map((x: { id: string }) => x.id).sort(), [a.id, b.id].sort());

  const allowed = cli('approvals', 'allow', a.id.slice(0, 8));
  assert.equal(allowed.code, 0, allowed.err);
  assert.equal(allowed.out, `Allowed once: ${a.id} /usr/bin/make deploy`);
  assert.equal((await a.final).payload.decision, 'allow-once');
  const denied = cli('approvals', 'deny', b.id);
  assert.equal(denied.out, `Denied: ${b.id} /bin/rm -rf build`);
  assert.equal((await b.final).payload.decision, 'deny');

  const again = cli('approvals', 'deny', b.id);
  assert.equal(again.code, 1);
  assert.match(again.err, /approval already resolved \(deny\)/);
  const unknown = cli('approvals', 'allow', 'nope-nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown or expired approval id/);

  const c = await ask(['/usr/bin/uptime']);
  assert.match(cli('approvals', 'allow', c.id, '--always').out, /^Always allowed/);
  assert.equal((await c.final).payload.decision, 'allow-always');
});

test('--for 30m grants the same command for 30 minutes; the grant is listed and revocable; bad flags are usage errors', async () => {
  const a = await ask(['/usr/bin/make', 'test']);
  const bad = cli('approvals', 'allow', a.id, '--for', '2h');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /invalid --for 2h/);
  assert.equal(cli('approvals', 'allow', a.id, '--for', '30m', '--always').code, 2);
  const r = cli('approvals', 'allow', a.id, '--for', '30m', '--json');
  const grant = JSON.parse(r.out).grant;
  assert.equal(grant.expiresAtMs - grant.createdAtMs, 30 * 60_000);
  assert.equal((await a.final).payload.decision, 'allow-once');
  // The same command again is answered by the grant without asking.
  const repeat = await ask(['/usr/bin/make', 'test']);
  assert.equal((await repeat.final).payload.decision, 'allow-once');
  assert.match(cli('approvals', 'list').out, /30-minute grants \(1\)/);
  assert.match(cli('approvals', 'revoke', grant.grantId).out, /^Revoked grant/);
  assert.doesNotMatch(cli('approvals', 'list').out, /30-minute grants/);
  assert.equal(cli('approvals', 'allow').code, 2);
});
