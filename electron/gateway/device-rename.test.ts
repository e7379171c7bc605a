// device.pair.rename (what `openclaw devices rename` calls): a user-chosen name, durable, apart from the reported one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readStoreState } from '../pairing/store-load';
import { connectDevice, createIdentity, type TestSocket } from '../testing/device-client';
import { startHarness, type Harness } from '../testing/gateway-harness';

let h: Harness;
let admin: TestSocket;
const dev = createIdentity();
const other = createIdentity();

before(async () => {
  h = await startHarness();
  admin = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.pairing'] })).socket;
  for (const id of [dev, other]) {
    const r = await connectDevice(h.url, id, { token: h.token, scopes: ['operator.read'], displayName: 'reported name' });
    assert.equal(r.res.ok, true);
    r.socket.close();
  }
});
after(async () => {
  admin.close();
  await h.stop();
});

test('rename stores operatorLabel beside the reported displayName, durably', async () => {
  const devices = admin.event('loopgate.devices');
  assert.deepEqual(await admin.call('device.pair.rename', { deviceId: dev.deviceId, label: '  Laptop agent  ' }), { deviceId: dev.deviceId, label: 'Laptop agent' });
  const entry = (await admin.call('device.pair.list')).paired.find((d: { deviceId: string }) => d.deviceId === dev.deviceId);
  assert.equal(entry.operatorLabel, 'Laptop agent');
  assert.equal(entry.displayName, 'reported name');
  assert.equal((await devices).payload.changed, true);
  // Durable: what a fresh reader of the data folder (snapshot, then journal) sees.
  const file = await readStoreState(join(h.home, 'pairing.json'), join(h.home, 'pairing.journal'));
  assert.equal(file.devices[dev.deviceId]!.operatorLabel, 'Laptop agent');
  const audit = await admin.call('loopgate.audit.list', { limit: 5 });
  assert.equal(audit.entries[0].decision, 'renamed');
});

test('a reconnect does not overwrite the user\'s name with the reported one', async () => {
  const r = await connectDevice(h.url, dev, { token: h.token, scopes: ['operator.read'], displayName: 'something else' });
  assert.equal(r.res.ok, true);
  r.socket.close();
  const entry = (await admin.call('device.pair.list')).paired.find((d: { deviceId: string }) => d.deviceId === dev.deviceId);
  assert.equal(entry.operatorLabel, 'Laptop agent');
});

test('bad input: missing, empty, blank, control-only, too long, unknown device, extra keys', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ deviceId: dev.deviceId }, /must have required property 'label'/],
    [{ label: 'x' }, /must have required property 'deviceId'/],
    [{ deviceId: dev.deviceId, label: '' }, /fewer than 1/],
    [{ deviceId: dev.deviceId, label: '   ' }, /^label required$/],
    [{ deviceId: dev.deviceId, label: '\u0000\u202e\n' }, /^label required$/],
    [{ deviceId: dev.deviceId, label: 'x'.repeat(65) }, /<= 64/],
    [{ deviceId: dev.deviceId, label: 42 }, /must be string/],
    [{ deviceId: '0'.repeat(64), label: 'x' }, /^unknown deviceId$/],
    [{ deviceId: dev.deviceId, label: 'x', extra: 1 }, /additional properties/],
  ];
  for (const [params, message] of cases) {
    const res = await admin.request('device.pair.rename', params);
    assert.equal(res.ok, false, JSON.stringify(params));
    assert.equal(res.error?.code, 'INVALID_REQUEST');
    assert.match(res.error!.message, message, JSON.stringify(params));
  }
  const entry = (await admin.call('device.pair.list')).paired.find((d: { deviceId: string }) => d.deviceId === dev.deviceId);
  assert.equal(entry.operatorLabel, 'Laptop agent', 'nothing lost');
});

test('control characters are cleaned from a label', async () => {
  const r = await admin.call('device.pair.rename', { deviceId: other.deviceId, label: 'ok\u202ename\nhere' });
  assert.equal(r.label, 'ok name here');
});

test('a device session renames itself only; reading scope is not enough', async () => {
  const self = await connectDevice(h.url, dev, { token: h.token, scopes: ['operator.pairing'] });
  assert.equal(self.res.ok, true, JSON.stringify(self.res.error));
  const token = self.res.payload.auth.deviceToken as string | undefined;
  self.socket.close();
  const session = (await connectDevice(h.url, dev, { deviceToken: token, scopes: ['operator.pairing'] })).socket;
  try {
    assert.equal((await session.call('device.pair.rename', { deviceId: dev.deviceId, label: 'mine' })).label, 'mine');
    const cross = await session.request('device.pair.rename', { deviceId: other.deviceId, label: 'yours' });
    assert.equal(cross.ok, false);
    assert.match(cross.error!.message, /may only act on itself/);
  } finally {
    session.close();
  }
  const reader = (await connectDevice(h.url, null, { token: h.token, scopes: ['operator.read'] })).socket;
  const denied = await reader.request('device.pair.rename', { deviceId: dev.deviceId, label: 'x' });
  assert.equal(denied.error?.message, 'missing scope: operator.pairing');
  reader.close();
});
