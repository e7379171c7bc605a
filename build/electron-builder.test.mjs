// Offline checks of the packaging configuration (node:test, plain Node; never loads 'electron').
// Needs `npm run build` first for the dist/ assertions (npm test does that).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { crc32 } from './icons/generate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const config = require('./electron-builder.config.cjs');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

test('identity: appId, product name, entry point', () => {
  assert.equal(config.appId, 'dev.loopgate.app');
  assert.equal(config.productName, 'Loopgate');
  assert.equal(config.extraMetadata.main, 'dist/electron/main.cjs');
  assert.equal(pkg.main, config.extraMetadata.main, 'package.json main agrees (for `electron .`)');
  assert.equal(config.directories.output, 'release');
  assert.equal(config.asar, true);
});

test('every Electron fuse is set as the security checklist says', () => {
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    onlyLoadAppFromAsar: true,
    enableEmbeddedAsarIntegrityValidation: true,
    grantFileProtocolExtraPrivileges: false,
    enableCookieEncryption: true,
  });
});

test('electron and electron-builder are devDependencies only (electron-builder refuses otherwise)', () => {
  for (const name of ['electron', 'electron-builder']) {
    assert.ok(pkg.devDependencies?.[name], `${name} in devDependencies`);
    assert.equal(pkg.dependencies?.[name], undefined, `${name} not in dependencies`);
  }
});

test('platform settings: macOS menu-bar app, Windows NSIS with a Start Menu shortcut, Linux AppImage + deb', () => {
  assert.equal(config.mac.category, 'public.app-category.developer-tools');
  assert.equal(config.mac.extendInfo.LSUIElement, true);
  assert.equal(config.mac.hardenedRuntime, true);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.equal(config.nsis.createStartMenuShortcut, true, 'toasts need the AppUserModelID shortcut');
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.equal(config.linux.category, 'Development');
  assert.ok(config.linux.maintainer);
});

test('the package holds only built files: no sources, tests, maps or node_modules', () => {
  const include = config.files.filter((f) => !f.startsWith('!'));
  assert.deepEqual(include.sort(), ['build/icons/**', 'dist/electron/**', 'dist/renderer/**', 'package.json']);
  for (const ex of ['!**/*.map', '!**/*.ts', '!**/*.test.*', '!**/node_modules/**']) assert.ok(config.files.includes(ex), ex);
});

test('every files glob has its base after `npm run build`', (t) => {
  const need = ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'build/icons', 'package.json'];
  for (const p of need) assert.ok(existsSync(join(root, p)), `${p} missing — run \`npm run build\` first`);
  if (!existsSync(join(root, 'dist/renderer'))) {
    t.diagnostic('dist/renderer not built; skipping its check');
    return;
  }
  assert.ok(existsSync(join(root, 'dist/renderer/index.html')));
});

/** Width, height and colour type of a PNG, after checking signature, chunk CRCs and the pixel data size. */
function readPng(file) {
  const buf = readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file}: PNG signature`);
  let off = 8;
  let ihdr;
  const idat = [];
  let ended = false;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    const crc = buf.readUInt32BE(off + 8 + len);
    assert.equal(crc32(buf.subarray(off + 4, off + 8 + len)), crc, `${file}: ${type} CRC`);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') ended = true;
    off += 12 + len;
  }
  assert.ok(ihdr && ended && idat.length, `${file}: IHDR, IDAT and IEND present`);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8];
  const colorType = ihdr[9];
  assert.equal(bitDepth, 8);
  assert.equal(colorType, 6, 'RGBA');
  assert.equal(inflateSync(Buffer.concat(idat)).length, height * (width * 4 + 1), `${file}: pixel data size`);
  return { width, height };
}

test('icons exist and are valid PNGs of the declared sizes', () => {
  const icons = {
    'icon.png': 512,
    'trayTemplate.png': 16, 'trayTemplate@2x.png': 32, 'trayPendingTemplate.png': 16, 'trayPendingTemplate@2x.png': 32,
    'tray.png': 16, 'tray@2x.png': 32, 'trayPending.png': 16, 'trayPending@2x.png': 32,
  };
  for (const [name, size] of Object.entries(icons)) {
    const { width, height } = readPng(join(root, 'build/icons', name));
    assert.deepEqual([width, height], [size, size], name);
  }
  for (const key of ['mac', 'win', 'linux']) assert.ok(existsSync(join(root, config[key].icon)), `${key}.icon`);
});

test('electron-builder itself accepts the configuration (its schema, offline)', async () => {
  const builderRequire = createRequire(require.resolve('electron-builder/package.json'));
  let validateConfiguration, DebugLogger;
  try {
    ({ validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js'));
    ({ DebugLogger } = builderRequire('builder-util'));
  } catch (err) {
    assert.fail(`electron-builder internals moved (${err.message}); update this test`);
  }
  await validateConfiguration(structuredClone(config), new DebugLogger(false));
  await assert.rejects(validateConfiguration({ ...structuredClone(config), electronFuses: { runAsNode: 'no' } }, new DebugLogger(false)), /electronFuses/);
});
