// A node's declared commands wait for the user even when its device paired silently; widening asks again;
// approvals survive a restart; removing the device forgets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDevice, createIdentity, type DeviceIdentity } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness, type Harness } from '../testing/gateway-harness';

function connectNode(url: string, token: string, id: DeviceIdentity, commands: string[]) {
  return connectDevice(url, id, {
    token, role: 'node', clientId: 'node-host', clientMode: 'node', displayName: 'build box',
    tamper: (p) => { p.caps = ['system']; p.commands = commands; },
  });
}

const PENDING_MESSAGE = 'node command not allowed: the node\'s declared command surface is pending approval; run `openclaw nodes pending`, then `openclaw nodes approve <requestId>`';

test('a silently paired node\'s commands wait for approval; node.invoke is refused until then', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-surfaces-'));
  let h: Harness = await startHarness({}, home);
  try {
    const id = createIdentity();
    const pairer = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.pairing', 'operator.write'] })).socket;
    const admin = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin'] })).socket;
    let n = await connectNode(h.url, h.token, id, ['system.run', 'system.which']);
    assert.equal(n.res.ok, true, 'the device pairing itself stays silent');
    const requested = await pairer.event('node.pair.requested');
    assert.equal(requested.payload.nodeId, id.deviceId);
    assert.deepEqual(requested.payload.commands, ['system.run', 'system.which']);
    assert.deepEqual(requested.payload.requiredApproveScopes, ['operator.pairing', 'operator.admin']);
    assert.equal(requested.payload.isWidening, false);

    const refused = await admin.request('node.invoke', { nodeId: id.deviceId, command: 'system.which', params: {} });
    assert.equal(refused.error?.code, 'INVALID_REQUEST');
    assert.equal(refused.error?.message, PENDING_MESSAGE);
    assert.equal(refused.error?.details.reason, 'node did not declare commands');
    const listed = (await admin.call('node.list')).nodes[0];
    assert.equal(listed.approvalState, 'pending-approval');
    assert.deepEqual(listed.commands, []);
    assert.deepEqual(listed.declaredCommands, ['system.run', 'system.which']);
    assert.equal(listed.pendingRequestId, requested.payload.requestId);

    // system.run needs operator.admin to approve (as OpenClaw); a pairing-only operator cannot.
    const weak = await pairer.request('node.pair.approve', { requestId: requested.payload.requestId });
    assert.equal(weak.error?.message, 'missing scope: operator.admin');
    assert.equal((await admin.request('node.pair.approve', { requestId: 'nope' })).error?.message, 'unknown requestId');
    const rejected = await admin.call('node.pair.reject', { requestId: requested.payload.requestId });
    assert.deepEqual(rejected, { requestId: requested.payload.requestId, nodeId: id.deviceId });
    assert.equal((await pairer.event('node.pair.resolved')).payload.decision, 'rejected');
    assert.equal((await admin.request('node.invoke', { nodeId: id.deviceId, command: 'system.which' })).error?.message, PENDING_MESSAGE);

    // Reconnecting asks again; this time the user approves.
    n.socket.close();
    n = await connectNode(h.url, h.token, id, ['system.run', 'system.which']);
    const list = await admin.call('node.pair.list', {});
    assert.equal(list.pending.length, 1);
    const approved = await admin.call('node.pair.approve', { requestId: list.pending[0].requestId });
    assert.deepEqual(approved.node.commands, ['system.run', 'system.which']);
    assert.equal((await admin.call('node.list')).nodes[0].approvalState, 'approved');
    const audit = (await admin.call('loopgate.audit.list', { limit: 20 })).entries.filter((e: { kind?: string }) => e.kind === 'node-commands');
    assert.deepEqual(audit.map((e: { decision: string }) => e.decision), ['approved', 'requested', 'rejected', 'requested']);

    // A later widening asks for the difference; what was approved keeps working meanwhile.
    n.socket.close();
    n = await connectNode(h.url, h.token, id, ['system.run', 'system.which', 'camera.snap']);
    const widened = (await admin.call('node.pair.list', {})).pending[0];
    assert.equal(widened.isWidening, true);
    assert.deepEqual(widened.approvedCommands, ['system.run', 'system.which']);
    assert.equal((await admin.call('node.list')).nodes[0].approvalState, 'pending-reapproval');
    assert.equal((await admin.request('node.invoke', { nodeId: id.deviceId, command: 'camera.snap' })).error?.message, PENDING_MESSAGE);
    const which = admin.request('node.invoke', { nodeId: id.deviceId, command: 'system.which', params: { name: 'git' } });
    const ask = await n.socket.event('node.invoke.request');
    await n.socket.request('node.invoke.result', { id: ask.payload.id, ok: true, payloadJSON: '"/usr/bin/git"' });
    assert.equal((await which).payload.payload, '/usr/bin/git');

    // Approved surfaces survive a restart.
    for (const s of [n.socket, pairer, admin]) s.close();
    await h.gw.close();
    h = await startHarness({}, home);
    const again = await connectNode(h.url, h.token, id, ['system.run', 'system.which']);
    const admin2 = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin'] })).socket;
    assert.deepEqual((await admin2.call('node.pair.list', {})).pending, []);
    assert.deepEqual((await admin2.call('node.list')).nodes[0].commands, ['system.run', 'system.which']);

    // Removing the device forgets its surface.
    await admin2.call('device.pair.remove', { deviceId: id.deviceId });
    await eventually(() => !h.gw.hub.surfaces.paired(id.deviceId), 'the removed device\'s surface to be forgotten');
    const after = await admin2.call('node.pair.list', {});
    assert.ok(!after.paired.some((p: { nodeId: string }) => p.nodeId === id.deviceId));
    again.socket.close();
    admin2.close();
  } finally {
    await h.gw.close();
    await rm(home, { recursive: true, force: true });
  }
});
