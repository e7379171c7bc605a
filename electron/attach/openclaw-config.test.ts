// Finding an OpenClaw gateway the way OpenClaw resolves its own settings, and refusing anything not on this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkUpstreamUrl, json5ToJson, openclawConfigPath, readOpenClawTarget } from './openclaw-config';
import { resolveAttachTarget } from './attach-target';

async function homeWith(text: string | null): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-occfg-'));
  if (text !== null) {
    await mkdir(join(home, '.openclaw'));
    await writeFile(join(home, '.openclaw', 'openclaw.json'), text);
  }
  return home;
}

test('JSON5 as OpenClaw writes it: comments, trailing commas, unquoted keys, single quotes', () => {
  const text = `{
    // the gateway
    gateway: { port: 19001, /* inline */ auth: { mode: 'token', token: "a\\"b'c", }, },
    list: [1, 2, ],
    url: "http://x//not-a-comment",
    flag: true, none: null,
  }`;
  assert.deepEqual(JSON.parse(json5ToJson(text)), {
    gateway: { port: 19001, auth: { mode: 'token', token: 'a"b\'c' } }, list: [1, 2], url: 'http://x//not-a-comment', flag: true, none: null,
  });
  for (const bad of ['{ a: "unterminated }', '{ /* open', '{ a: }']) assert.throws(() => JSON.parse(json5ToJson(bad)), SyntaxError, bad);
});

test('config path: OPENCLAW_CONFIG_PATH, else OPENCLAW_STATE_DIR, else ~/.openclaw', () => {
  assert.equal(openclawConfigPath({ OPENCLAW_CONFIG_PATH: '/x/c.json', OPENCLAW_STATE_DIR: '/s' }, '/h'), '/x/c.json');
  assert.equal(openclawConfigPath({ OPENCLAW_STATE_DIR: '/s' }, '/h'), join('/s', 'openclaw.json'));
  assert.equal(openclawConfigPath({}, '/h'), join('/h', '.openclaw', 'openclaw.json'));
});

test('port and token from the config; the environment wins; ${VAR} is resolved', async () => {
  const home = await homeWith('{ gateway: { port: 19001, auth: { mode: "token", token: "${MY_TOKEN}" } } }');
  assert.deepEqual(await readOpenClawTarget({ MY_TOKEN: 't1' }, home), { url: 'ws://127.0.0.1:19001', secret: 't1', secretKind: 'token', source: join(home, '.openclaw', 'openclaw.json') });
  assert.equal((await readOpenClawTarget({}, home))?.secret, undefined, 'an unset variable is no token');
  const env = { MY_TOKEN: 't1', OPENCLAW_GATEWAY_PORT: '19002', OPENCLAW_GATEWAY_TOKEN: 'env-token' };
  assert.deepEqual(await readOpenClawTarget(env, home), { url: 'ws://127.0.0.1:19002', secret: 'env-token', secretKind: 'token', source: 'OPENCLAW_GATEWAY_TOKEN' });
  const pw = await homeWith('{"gateway":{"auth":{"mode":"password","password":"p1"}}}');
  assert.deepEqual(await readOpenClawTarget({}, pw), { url: 'ws://127.0.0.1:18789', secret: 'p1', secretKind: 'password', source: join(pw, '.openclaw', 'openclaw.json') });
});

test('no config and no variables: null; a broken config is an error naming the file', async () => {
  assert.equal(await readOpenClawTarget({}, await homeWith(null)), null);
  const broken = await homeWith('{ gateway: ');
  await assert.rejects(readOpenClawTarget({}, broken), /cannot parse the OpenClaw config .*openclaw\.json/);
  // ...unless the user gave both URL and token, which need nothing from it.
  const t = await resolveAttachTarget({ url: 'ws://127.0.0.1:1234', token: 'x' }, {}, broken);
  assert.equal(t.url, 'ws://127.0.0.1:1234');
  assert.deepEqual(await t.secret(), { secret: 'x', kind: 'token' });
  await assert.rejects(resolveAttachTarget({ url: 'ws://127.0.0.1:1234' }, {}, broken), /cannot parse/);
});

test('a token read from the config is read again on every attempt', async () => {
  const home = await homeWith('{"gateway":{"port":19003,"auth":{"token":"first"}}}');
  const t = await resolveAttachTarget({}, {}, home);
  assert.equal(t.url, 'ws://127.0.0.1:19003');
  assert.equal((await t.secret()).secret, 'first');
  await writeFile(join(home, '.openclaw', 'openclaw.json'), '{"gateway":{"port":19003,"auth":{"token":"fixed"}}}');
  assert.equal((await t.secret()).secret, 'fixed');
});

test('only ws:// on this machine is accepted as an upstream', () => {
  assert.equal(checkUpstreamUrl('ws://127.0.0.1:18789'), 'ws://127.0.0.1:18789');
  assert.equal(checkUpstreamUrl('ws://localhost:18789/'), 'ws://127.0.0.1:18789');
  assert.equal(checkUpstreamUrl('ws://[::1]:18789'), 'ws://[::1]:18789');
  for (const bad of ['wss://127.0.0.1:18789', 'http://127.0.0.1:1', 'ws://10.0.0.2:18789', 'ws://gateway.example:18789', 'ws://0.0.0.0:1', 'ws://127.0.0.1.nip.io:1', 'ws://u:p@127.0.0.1:1', 'ws://127.0.0.1:1/?t=x', 'not a url', '']) {
    assert.throws(() => checkUpstreamUrl(bad), /only ws:\/\/|on this machine|invalid gateway URL|unsupported/, bad);
  }
});
