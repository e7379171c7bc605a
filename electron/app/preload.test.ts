// The preload exposes exactly the contract on window.loopgate, nothing else (Fiddle's preload test),
// and forwards only what it should.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { fake } from './fake-electron';
import type { LoopgateBridge } from '../../shared/ipc-contract';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
await import('./preload');

const bridge = fake.exposed.get('loopgate') as LoopgateBridge;

test('exposes exactly the contract on "loopgate", and nothing else', () => {
  assert.deepEqual([...fake.exposed.keys()], ['loopgate']);
  assert.deepEqual(Object.keys(bridge).sort(), [
    'checkForUpdates', 'connectInfo', 'loginItem', 'onLoginItemChanged', 'onShowApproval', 'onShowRequest', 'onUpdateStatus', 'restartToUpdate', 'setLoginItem', 'updateStatus',
  ]);
  for (const value of Object.values(bridge)) assert.equal(typeof value, 'function');
  // No raw ipcRenderer (or any object handle) leaks through.
  assert.ok(!Object.values(bridge).includes(fake.ipcRenderer as never));
});

test('connectInfo invokes gateway:connect-info and passes no renderer arguments', async () => {
  await (bridge.connectInfo as (...a: unknown[]) => Promise<unknown>)('smuggled', { x: 1 });
  assert.deepEqual(fake.ipcRenderer.invocations.at(-1), ['gateway:connect-info']);
});

test('onShowRequest delivers string ids, ignores anything else, and unsubscribes', () => {
  const got: string[] = [];
  const off = bridge.onShowRequest((id) => got.push(id));
  fake.ipcRenderer.emit('window:show-request', {}, 'req-1');
  fake.ipcRenderer.emit('window:show-request', {}, { not: 'a string' });
  fake.ipcRenderer.emit('other-channel', {}, 'req-x');
  off();
  off(); // idempotent
  fake.ipcRenderer.emit('window:show-request', {}, 'req-2');
  assert.deepEqual(got, ['req-1']);
});

test('a request shown before the page subscribed is handed to the first subscriber', async () => {
  fake.ipcRenderer.emit('window:show-request', {}, 'early-req');
  const got: string[] = [];
  const off = bridge.onShowRequest((id) => got.push(id));
  await Promise.resolve();
  assert.deepEqual(got, ['early-req']);
  off();
});

test('onShowApproval has its own channel: approval ids only, an early one kept for the first subscriber', async () => {
  fake.ipcRenderer.emit('window:show-approval', {}, 'early-approval');
  const approvals: string[] = [];
  const requests: string[] = [];
  const offA = bridge.onShowApproval((id) => approvals.push(id));
  const offR = bridge.onShowRequest((id) => requests.push(id));
  await Promise.resolve();
  fake.ipcRenderer.emit('window:show-approval', {}, 'ap-1');
  fake.ipcRenderer.emit('window:show-approval', {}, 42);
  fake.ipcRenderer.emit('window:show-request', {}, 'req-7');
  offA();
  fake.ipcRenderer.emit('window:show-approval', {}, 'ap-2');
  offR();
  assert.deepEqual(approvals, ['early-approval', 'ap-1']);
  assert.deepEqual(requests, ['req-7']);
});

test('login item and update calls use their own channels and pass no renderer extras', async () => {
  const call = (name: keyof LoopgateBridge, ...args: unknown[]) => (bridge[name] as (...a: unknown[]) => Promise<unknown>)(...args);
  await call('loginItem', 'extra');
  assert.deepEqual(fake.ipcRenderer.invocations.at(-1), ['login-item:get']);
  await call('updateStatus', 1);
  assert.deepEqual(fake.ipcRenderer.invocations.at(-1), ['updates:get']);
  await call('checkForUpdates', { url: 'x' });
  assert.deepEqual(fake.ipcRenderer.invocations.at(-1), ['updates:check']);
  await call('restartToUpdate', true);
  assert.deepEqual(fake.ipcRenderer.invocations.at(-1), ['updates:restart']);
});

test('setLoginItem sends exactly one boolean, whatever the page passes', async () => {
  const set = bridge.setLoginItem as (...a: unknown[]) => Promise<unknown>;
  await set(true, 'smuggled');
  assert.deepEqual(fake.ipcRenderer.invocations.at(-1), ['login-item:set', true]);
  for (const junk of ['true', 1, { valueOf: () => true }, null, undefined, false]) {
    await set(junk);
    assert.deepEqual(fake.ipcRenderer.invocations.at(-1), ['login-item:set', false], String(junk));
  }
});

test('change subscriptions deliver objects from their channel only, and unsubscribe', () => {
  const states: unknown[] = [];
  const statuses: unknown[] = [];
  const offA = bridge.onLoginItemChanged((s) => states.push(s));
  const offB = bridge.onUpdateStatus((s) => statuses.push(s));
  fake.ipcRenderer.emit('login-item:changed', {}, { enabled: true });
  fake.ipcRenderer.emit('login-item:changed', {}, 'not an object');
  fake.ipcRenderer.emit('updates:changed', {}, { phase: 'ready' });
  offA();
  offB();
  fake.ipcRenderer.emit('login-item:changed', {}, { enabled: false });
  fake.ipcRenderer.emit('updates:changed', {}, { phase: 'error' });
  assert.deepEqual(states, [{ enabled: true }]);
  assert.deepEqual(statuses, [{ phase: 'ready' }]);
});
