// Packaging smoke test, offline: electron-builder packs an unpacked Linux app around a *fake* Electron
// binary (a stub carrying the fuse sentinel), then we read back what it produced — the asar's file list
// and the fuse wire it flipped. The real binary, installers (AppImage/deb/NSIS/dmg), signing and
// notarisation need the network or other platforms and are not covered here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const builderRequire = createRequire(require.resolve('electron-builder/package.json'));
const libRequire = createRequire(builderRequire.resolve('app-builder-lib/package.json'));
const built = existsSync(join(root, 'dist/electron/main.cjs')) && existsSync(join(root, 'dist/electron/preload.cjs'));

// Electron's fuse wire: sentinel, version 1, 8 fuses, then Electron's defaults ('1' on / '0' off).
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const DEFAULT_WIRE = '10110001'; // runAsNode, cookieEncryption, nodeOptions, inspect, asarIntegrity, onlyAsar, v8Snapshot, fileProtocol

test('electron-builder packs only the built app into app.asar and burns the fuses', { skip: built ? false : 'run `npm run build` first', timeout: 120_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'loopgate-pack-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const fakeDist = join(tmp, 'electron-dist');
  mkdirSync(fakeDist);
  writeFileSync(join(fakeDist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from(DEFAULT_WIRE), Buffer.from('\n')]), { mode: 0o755 });
  const out = join(tmp, 'release');
  execFileSync(process.execPath, [
    builderRequire.resolve('./cli.js'), '--linux', 'dir', '--x64', '--config', 'build/electron-builder.config.cjs',
    `-c.electronDist=${fakeDist}`, `-c.directories.output=${out}`, '--publish', 'never',
  ], { cwd: root, stdio: 'pipe', timeout: 110_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });

  const asarPath = join(out, 'linux-unpacked', 'resources', 'app.asar');
  assert.ok(existsSync(asarPath));
  const asar = libRequire('@electron/asar');
  const files = asar.listPackage(asarPath, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
  assert.ok(files.includes('/dist/electron/main.cjs'));
  assert.ok(files.includes('/dist/electron/preload.cjs'));
  assert.ok(files.includes('/build/icons/trayTemplate.png'));
  assert.ok(files.includes('/build/icons/icon.png'));
  if (existsSync(join(root, 'dist/renderer/index.html'))) assert.ok(files.includes('/dist/renderer/index.html'));
  const leaked = files.filter((f) => /\.(ts|map)$|\.test\.|\/node_modules\/|\/electron\/app\/|\/shared\/|generate\.mjs$/.test(f));
  assert.deepEqual(leaked, [], 'no sources, tests, maps or node_modules in the package');
  const pkg = JSON.parse(asar.extractFile(asarPath, 'package.json').toString());
  assert.equal(pkg.main, 'dist/electron/main.cjs');

  // The publish settings reach the app as resources/app-update.yml, which electron-updater reads.
  const updateYml = readFileSync(join(out, 'linux-unpacked', 'resources', 'app-update.yml'), 'utf8');
  assert.match(updateYml, /^provider: github$/m);
  assert.match(updateYml, /^owner: loopgate$/m);
  assert.match(updateYml, /^repo: loopgate$/m);
  assert.match(updateYml, /^updaterCacheDirName: loopgate-updater$/m);

  const { getCurrentFuseWire, FuseV1Options } = libRequire('@electron/fuses');
  const wire = await getCurrentFuseWire(join(out, 'linux-unpacked', 'loopgate'));
  const on = (opt) => String.fromCharCode(wire[FuseV1Options[opt]]);
  assert.deepEqual(
    Object.fromEntries(['RunAsNode', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'OnlyLoadAppFromAsar', 'EnableEmbeddedAsarIntegrityValidation', 'GrantFileProtocolExtraPrivileges', 'EnableCookieEncryption'].map((k) => [k, on(k)])),
    { RunAsNode: '0', EnableNodeOptionsEnvironmentVariable: '0', EnableNodeCliInspectArguments: '0', OnlyLoadAppFromAsar: '1', EnableEmbeddedAsarIntegrityValidation: '1', GrantFileProtocolExtraPrivileges: '0', EnableCookieEncryption: '1' },
  );
});
