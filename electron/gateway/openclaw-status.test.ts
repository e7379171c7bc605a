// `status` carries the summary OpenClaw's `openclaw status --json` renders, beside Loopgate's own fields.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice, type TestSocket } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { OPENCLAW_STATUS_KEYS } from './openclaw-status';

let h: Harness;
let op: TestSocket;

before(async () => {
  h = await startHarness();
  op = (await connectDevice(h.url, null, { token: h.token, clientId: 'cli', clientMode: 'cli', scopes: ['operator.read'] })).socket;
});
after(async () => {
  op.close();
  await h.stop();
});

test('status has OpenClaw summary fields in its shape, empty where Loopgate has none', async () => {
  const s = await op.call('status');
  assert.ok(Array.isArray(s.sessions.byAgent));
  assert.ok(Array.isArray(s.sessions.recent));
  assert.equal(s.sessions.count, 0);
  assert.deepEqual(s.heartbeat, { defaultAgentId: 'main', agents: [] });
  assert.deepEqual(s.channelSummary, []);
  assert.deepEqual(s.queuedSystemEvents, []);
  assert.equal(s.tasks.total, 0);
  assert.equal(s.tasks.byStatus.running, 0);
  assert.equal(s.taskAudit.byCode.lost, 0);
  for (const k of OPENCLAW_STATUS_KEYS) assert.ok(k in s, `status lacks ${k}`);
  // Loopgate's own fields are still there.
  assert.equal(s.ok, true);
  assert.equal(s.port, h.gw.port);
  assert.equal(typeof s.devices, 'number');
});

test('sessions.count follows the session registry', async () => {
  const admin = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.admin'] })).socket;
  try {
    await admin.call('sessions.patch', { key: 'agent:main:one', label: 'one' });
    assert.equal((await op.call('status')).sessions.count, 1);
  } finally {
    admin.close();
  }
});
