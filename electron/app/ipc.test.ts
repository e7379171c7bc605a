// IPC sender validation (Electron checklist #17): only our own window, on our own origin, is answered.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { fake, FakeWebContents } from './fake-electron';

mock.module('electron', { namedExports: fake.exports, defaultExport: fake.exports });
const { TrustedSenders, registerIpc, send } = await import('./ipc');

let minted = 0;
const gateway = { url: 'ws://127.0.0.1:18789', issueOwnerCredential: () => `cred-${++minted}` };
const trusted = new TrustedSenders();
const ours = new FakeWebContents();
trusted.add(ours as never);
const dispose = registerIpc(gateway, trusted);

test('a trusted sender on app://loopgate gets a fresh one-time credential per call', async () => {
  const a = await fake.invoke('gateway:connect-info', ours, 'app://loopgate/index.html');
  const b = await fake.invoke('gateway:connect-info', ours, 'app://loopgate/index.html#/requests');
  assert.deepEqual(a, { url: 'ws://127.0.0.1:18789', credential: 'cred-1' });
  assert.deepEqual(b, { url: 'ws://127.0.0.1:18789', credential: 'cred-2' });
});

test('an unknown webContents id is refused without minting anything', async () => {
  const stranger = new FakeWebContents();
  const before = minted;
  await assert.rejects(fake.invoke('gateway:connect-info', stranger, 'app://loopgate/index.html'), /untrusted sender/);
  assert.equal(minted, before);
});

test('our window on a wrong frame origin is refused', async () => {
  for (const url of ['https://evil.example/', 'http://127.0.0.1:18789/', 'file:///etc/passwd', 'app://loopgate.evil/index.html', 'app://other/index.html', 'loopgate://loopgate/', 'not a url', '']) {
    await assert.rejects(fake.invoke('gateway:connect-info', ours, url), /untrusted sender/, url);
  }
  await assert.rejects(fake.invoke('gateway:connect-info', ours, null), /untrusted sender/, 'disposed frame');
});

test('a destroyed webContents stops being trusted', async () => {
  const wc = new FakeWebContents();
  trusted.add(wc as never);
  assert.ok(trusted.has(wc.id));
  wc.destroy();
  assert.ok(!trusted.has(wc.id));
  await assert.rejects(fake.invoke('gateway:connect-info', wc, 'app://loopgate/index.html'), /untrusted sender/);
});

test('send() uses the contract channel and skips destroyed webContents', () => {
  const wc = new FakeWebContents();
  send(wc as never, 'window:show-request', 'req-9');
  assert.deepEqual(wc.sent, [['window:show-request', 'req-9']]);
  wc.destroy();
  send(wc as never, 'window:show-request', 'req-10');
  assert.equal(wc.sent.length, 1);
});

test('the disposer removes the handler', async () => {
  dispose();
  assert.ok(!fake.ipcMainHandlers.has('gateway:connect-info'));
});
