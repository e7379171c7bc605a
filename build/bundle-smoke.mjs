// Child process for bundle.test.mjs: loads the *bundled* dist/electron/{main,preload}.cjs in plain Node
// with 'electron' answered by the test fake (electron/app/fake-electron.ts, loaded through tsx), starts
// the app for real (gateway included), reports what it saw as one JSON line, and quits.
// Run: node --import tsx build/bundle-smoke.mjs <tmpdir>
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The bundles are CommonJS: load them (and the fake, through tsx) with a CommonJS require.
const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = process.argv[2];
const { fake } = require(join(root, 'electron/app/fake-electron.ts'));
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'electron') return fake.exports;
  return load.call(this, request, parent, isMain);
};

async function run() {
  fake.app.paths.appData = join(tmp, 'appData');
  process.env.LOOPGATE_HOME = join(tmp, 'home');
  process.env.LOOPGATE_PORT = '0';
  process.env.XDG_CONFIG_HOME = join(tmp, 'xdg'); // start at login reads (never writes) here, not in ~/.config
  require(join(root, 'dist/electron/preload.cjs'));
  const bridge = fake.exposed.get('loopgate');
  const main = require(join(root, 'dist/electron/main.cjs'));
  fake.app.readyResolve();
  const controller = await main.started;
  if (!controller) return { error: fake.errorBoxes };
  const health = await fetch(`http://127.0.0.1:${controller.gateway.port}/healthz`).then((r) => r.json());
  const handler = fake.protocolHandlers.get('app');
  const index = await handler(new globalThis.Request('app://loopgate/index.html'));
  const traversal = await handler({ url: 'app://loopgate/..%2f..%2fpackage.json', method: 'GET' });
  const win = fake.exports.BrowserWindow.instances[0];
  const info = win ? await fake.invoke('gateway:connect-info', win.webContents, 'app://loopgate/index.html') : null;
  const result = {
    exposed: [...fake.exposed.keys()],
    bridgeKeys: Object.keys(bridge ?? {}).sort(),
    health,
    indexStatus: index.status,
    indexCsp: index.headers.get('content-security-policy'),
    traversalStatus: traversal.status,
    preload: win?.options.webPreferences.preload,
    connectInfoUrl: info?.url,
    credential: typeof info?.credential === 'string' && info.credential.length > 0,
    trayMenu: fake.exports.Tray.instances[0]?.menu?.template.map((i) => i.label ?? i.type),
    trayIcon: fake.exports.Tray.instances[0]?.image?.path,
  };
  await controller.quit();
  result.exitCode = fake.app.exitCode;
  return result;
}

run().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err) => {
    process.stdout.write(`${JSON.stringify({ error: String(err?.stack ?? err) })}\n`);
    process.exit(1);
  },
);
