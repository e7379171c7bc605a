import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionRegistry } from './session-registry';

test('sessions survive a reopen; patches merge; delete reports what it did', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-sessions-'));
  const r = await SessionRegistry.open(home);
  await r.patch('agent:main', { label: 'Main', settings: { a: 1 } }, 1000);
  await Promise.all([r.patch('agent:main', { model: 'm1', settings: { b: 2 } }, 2000), r.patch('agent:sub', { label: 'Sub' }, 3000)]);
  const again = await SessionRegistry.open(home);
  const main = again.list().find((s) => s.key === 'agent:main')!;
  assert.deepEqual({ label: main.label, model: main.model, settings: main.settings, createdAtMs: main.createdAtMs }, { label: 'Main', model: 'm1', settings: { a: 1, b: 2 }, createdAtMs: 1000 });
  assert.equal(again.list().length, 2);
  assert.deepEqual(await again.delete('agent:sub'), { key: 'agent:sub', deleted: true });
  assert.deepEqual(await again.delete('agent:sub'), { key: 'agent:sub', deleted: false });
  assert.equal((await stat(join(home, 'sessions.json'))).mode & 0o777, 0o600);
});

test('a corrupt registry is moved aside and reported, not silently emptied over', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-sessions-'));
  await writeFile(join(home, 'sessions.json'), '{"version":1,"sessions":{', { mode: 0o600 });
  const r = await SessionRegistry.open(home);
  assert.match(r.problem ?? '', /moved to .*sessions\.json\.corrupt-/);
  assert.equal(r.list().length, 0);
  const { readdir } = await import('node:fs/promises');
  const kept = (await readdir(home)).find((n) => n.startsWith('sessions.json.corrupt-'))!;
  assert.equal(await readFile(join(home, kept), 'utf8'), '{"version":1,"sessions":{');
});
