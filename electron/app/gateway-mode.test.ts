// Which gateway the tray app runs: its own unless the user chose attach mode (remembered), --attach or LOOPGATE_ATTACH.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsAttach } from './gateway-mode';

test('own gateway by default; attach by flag, environment or the remembered choice', () => {
  assert.equal(wantsAttach([], {}, { mode: 'own' }), null);
  assert.deepEqual(wantsAttach(['electron', 'main.cjs', '--attach'], {}, { mode: 'own' }), {});
  assert.deepEqual(wantsAttach([], { LOOPGATE_ATTACH: '1' }, { mode: 'own' }), {});
  assert.equal(wantsAttach([], { LOOPGATE_ATTACH: '0' }, { mode: 'own' }), null);
  assert.deepEqual(wantsAttach([], {}, { mode: 'attach' }), {});
  assert.deepEqual(wantsAttach([], {}, { mode: 'attach', url: 'ws://127.0.0.1:18789' }), { url: 'ws://127.0.0.1:18789' });
  assert.deepEqual(wantsAttach([], { LOOPGATE_ATTACH_URL: 'ws://127.0.0.1:19000' }, { mode: 'attach', url: 'ws://127.0.0.1:18789' }), { url: 'ws://127.0.0.1:19000' });
  assert.deepEqual(wantsAttach(['--attach'], { LOOPGATE_ATTACH_URL: 'ws://127.0.0.1:19000' }, { mode: 'own' }), { url: 'ws://127.0.0.1:19000' });
});
