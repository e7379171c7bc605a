// The preload exposes exactly the contract on window.loopgate, nothing else (Fiddle's preload test),
// and forwards only what it should.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { fake } from './fake-electron';
import type { LoopgateBridge } from '../../shared/ipc-contract';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
await import('./preload');

const bridge = fake.exposed.get('loopgate') as LoopgateBridge;

test('exposes exactly connectInfo, onShowRequest and onShowApproval on "loopgate", and nothing else', () => {
  assert.deepEqual([...fake.exposed.keys()], ['loopgate']);
  assert.deepEqual(Object.keys(bridge).sort(), ['connectInfo', 'onShowApproval', 'onShowRequest']);
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
