// The bundles build/bundle.mjs produced: what they may require, and that the bundled app really starts
// (in plain Node, with 'electron' answered by the test fake — the real module would try to download).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', p);
const built = existsSync(dist('electron/main.cjs')) && existsSync(dist('electron/preload.cjs'));
const skip = built ? false : 'dist/electron not built — run `npm run build` first';

/** Modules a CJS bundle requires at run time (string literals in ajv's code generator are not calls). */
function requires(file) {
  const src = readFileSync(file, 'utf8');
  const found = new Set();
  for (const m of src.matchAll(/(?<![\w."'`])require\("([^"]+)"\)/g)) found.add(m[1]);
  return found;
}
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
// ws's optional native speed-ups, required inside try/catch.
const OPTIONAL = new Set(['bufferutil', 'utf-8-validate']);

test('the sandboxed preload is one CJS file that requires only electron', { skip }, () => {
  assert.deepEqual([...requires(dist('electron/preload.cjs'))], ['electron']);
  assert.doesNotMatch(readFileSync(dist('electron/preload.cjs'), 'utf8'), /\bimport\s*\(|\bexport\s/);
});

test('the main bundle requires only electron, Node built-ins and optional ws add-ons', { skip }, () => {
  const extra = [...requires(dist('electron/main.cjs'))].filter((m) => m !== 'electron' && !builtins.has(m) && !OPTIONAL.has(m));
  assert.deepEqual(extra, [], 'every npm dependency is inlined (the package ships no node_modules)');
  assert.doesNotMatch(readFileSync(dist('electron/main.cjs'), 'utf8'), /import\.meta/, 'no ESM-only syntax left in the CJS bundle');
});

test('the CLI bundle, when built, is ESM with its own require for CJS dependencies', { skip: existsSync(dist('cli.mjs')) ? false : 'dist/cli.mjs not built' }, () => {
  const src = readFileSync(dist('cli.mjs'), 'utf8');
  assert.match(src.slice(0, 300), /createRequire/);
  const name = ['elec', 'tron'].join(''); // assembled: a grep for real imports must not find this assertion
  assert.equal(src.includes(`require("${name}")`) || src.includes(`from "${name}"`), false);
});

test('the bundled app starts in plain Node against a fake electron and quits cleanly', { skip, timeout: 30_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'loopgate-bundle-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'build/bundle-smoke.mjs'), tmp], { cwd: root, encoding: 'utf8', timeout: 25_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
  const line = out.trim().split('\n').at(-1);
  const r = JSON.parse(line);
  assert.equal(r.error, undefined, r.error && JSON.stringify(r.error));
  assert.deepEqual(r.exposed, ['loopgate']);
  assert.deepEqual(r.bridgeKeys, ['checkForUpdates', 'connectInfo', 'loginItem', 'onLoginItemChanged', 'onShowApproval', 'onShowRequest', 'onUpdateStatus', 'restartToUpdate', 'setLoginItem', 'updateStatus']);
  assert.equal(r.health.ok, true);
  assert.equal(r.traversalStatus, 404);
  assert.equal(r.preload, dist('electron/preload.cjs'));
  assert.match(r.connectInfoUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(r.credential, true);
  for (const label of ['Open Loopgate', 'Pause pairing', 'Quit Loopgate']) assert.ok(r.trayMenu.includes(label), label);
  assert.ok(existsSync(r.trayIcon), 'tray icon resolved beside the bundle');
  if (existsSync(dist('renderer/index.html'))) {
    assert.equal(r.indexStatus, 200);
    assert.match(r.indexCsp, /default-src 'none'/);
  }
  assert.equal(r.exitCode, 0);
});
