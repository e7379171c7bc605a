// The Linux login entry on real files in a temp HOME: written, read back, removed, and entries edited or removed
// by hand recognised; XDG_CONFIG_HOME and $APPIMAGE honoured; a read-only or blocked folder gives a clear error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  autostartDir, autostartFile, AutostartError, desktopEntry, parseDesktopEntry, parseExec, quoteExecArg,
  readLinuxAutostart, setLinuxAutostart, type LinuxAutostartContext,
} from './autostart-linux';
import { asNobodyUnavailable, NOBODY } from '../testing/other-user';

const tmp = mkdtempSync(join(tmpdir(), 'loopgate-autostart-'));
after(() => {
  chmodAll(tmp);
  rmSync(tmp, { recursive: true, force: true });
});
function chmodAll(dir: string): void {
  try {
    chmodSync(dir, 0o755);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) chmodAll(join(dir, e.name));
  } catch { /* gone */ }
}
let n = 0;
function home(env: NodeJS.ProcessEnv = {}, execPath = '/opt/Loopgate/loopgate'): LinuxAutostartContext {
  const h = join(tmp, `home-${++n}`);
  mkdirSync(h, { recursive: true });
  return { env, homedir: h, execPath };
}
const isRoot = process.getuid?.() === 0;

test('off on a fresh account: no folder, no entry', async () => {
  const ctx = home();
  assert.equal(existsSync(autostartDir(ctx.env, ctx.homedir)), false);
  assert.deepEqual(await readLinuxAutostart(ctx), { enabled: false, location: join(ctx.homedir, '.config', 'autostart', 'loopgate.desktop') });
});

test('on: the missing folder is created, the entry written atomically and read back; off removes it', async () => {
  const ctx = home();
  const file = autostartFile(ctx);
  const on = await setLinuxAutostart(ctx, true);
  assert.deepEqual(on, { enabled: true, location: file });
  const text = readFileSync(file, 'utf8');
  const keys = parseDesktopEntry(text);
  assert.equal(keys.get('Type'), 'Application');
  assert.equal(keys.get('Exec'), '/opt/Loopgate/loopgate --hidden');
  assert.equal(keys.get('X-GNOME-Autostart-enabled'), 'true');
  assert.equal(statSync(file).mode & 0o777, 0o644);
  // No temp file left behind.
  assert.deepEqual(readdirSync(join(ctx.homedir, '.config', 'autostart')), ['loopgate.desktop']);
  // Turning it on again is idempotent.
  assert.deepEqual(await setLinuxAutostart(ctx, true), on);
  const off = await setLinuxAutostart(ctx, false);
  assert.deepEqual(off, { enabled: false, location: file });
  assert.equal(existsSync(file), false);
  // Off when already off is fine.
  assert.deepEqual(await setLinuxAutostart(ctx, false), off);
});

test('XDG_CONFIG_HOME is honoured when absolute, ignored when relative', async () => {
  const ctx = home();
  const cfg = join(ctx.homedir, 'cfg');
  const withXdg = { ...ctx, env: { XDG_CONFIG_HOME: cfg } };
  await setLinuxAutostart(withXdg, true);
  assert.ok(existsSync(join(cfg, 'autostart', 'loopgate.desktop')));
  assert.equal((await readLinuxAutostart(ctx)).enabled, false, 'not under ~/.config');
  assert.equal(autostartFile({ env: { XDG_CONFIG_HOME: 'relative/cfg' }, homedir: ctx.homedir }), join(ctx.homedir, '.config', 'autostart', 'loopgate.desktop'));
});

test('run from an AppImage, the entry starts the AppImage file (paths with spaces quoted)', async () => {
  const ctx = home({ APPIMAGE: '/home/me/Apps/Loopgate 1.2.AppImage' }, '/tmp/.mount_LoopgaXYZ/loopgate');
  await setLinuxAutostart(ctx, true);
  const keys = parseDesktopEntry(readFileSync(autostartFile(ctx), 'utf8'));
  assert.equal(keys.get('Exec'), '"/home/me/Apps/Loopgate 1.2.AppImage" --hidden');
  assert.deepEqual(parseExec(keys.get('Exec')!), ['/home/me/Apps/Loopgate 1.2.AppImage', '--hidden']);
  assert.equal((await readLinuxAutostart(ctx)).enabled, true);
});

test('removed by hand: shows off', async () => {
  const ctx = home();
  await setLinuxAutostart(ctx, true);
  rmSync(autostartFile(ctx));
  assert.equal((await readLinuxAutostart(ctx)).enabled, false);
});

test('switched off by hand (Hidden=true, X-GNOME-Autostart-enabled=false): shows off; turning on again rewrites it', async () => {
  for (const edit of [(t: string) => t.replace('Terminal=false', 'Terminal=false\nHidden=true'), (t: string) => t.replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false')]) {
    const ctx = home();
    await setLinuxAutostart(ctx, true);
    const file = autostartFile(ctx);
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
    assert.equal((await readLinuxAutostart(ctx)).enabled, false);
    assert.equal((await setLinuxAutostart(ctx, true)).enabled, true);
  }
});

test('hand-edited to start something else (moved AppImage): on, but marked stale with a clear message', async () => {
  const ctx = home();
  await setLinuxAutostart(ctx, true);
  const file = autostartFile(ctx);
  writeFileSync(file, readFileSync(file, 'utf8').replace('Exec=/opt/Loopgate/loopgate --hidden', 'Exec="/old place/Loopgate.AppImage" --hidden'));
  const state = await readLinuxAutostart(ctx);
  assert.equal(state.enabled, true);
  assert.equal(state.stale, true);
  assert.match(state.problem!, /starts \/old place\/Loopgate\.AppImage, not this Loopgate/);
  assert.equal((await setLinuxAutostart(ctx, true)).stale, undefined, 'rewritten for this executable');
});

test('a hand-written entry with comments, other groups and CRLF line ends is understood', async () => {
  const ctx = home();
  mkdirSync(autostartDir(ctx.env, ctx.homedir), { recursive: true });
  writeFileSync(autostartFile(ctx), '# mine\r\n[Desktop Entry]\r\nName=Loopgate\r\nType=Application\r\nExec=/opt/Loopgate/loopgate --hidden\r\n\r\n[Desktop Action x]\r\nExec=/bin/false\r\nHidden=true\r\n');
  assert.deepEqual(await readLinuxAutostart(ctx), { enabled: true, location: autostartFile(ctx) });
});

test('junk in the entry file: off, with a message that turning it on replaces it', async () => {
  for (const junk of ['', 'not a desktop file', '[Desktop Entry]\nType=Link\nURL=x', '[Desktop Entry]\nType=Application\n', '\u0000\u0001binary']) {
    const ctx = home();
    mkdirSync(autostartDir(ctx.env, ctx.homedir), { recursive: true });
    writeFileSync(autostartFile(ctx), junk);
    const state = await readLinuxAutostart(ctx);
    assert.equal(state.enabled, false, JSON.stringify(junk));
    assert.match(state.problem!, /not a valid application entry/);
    assert.equal((await setLinuxAutostart(ctx, true)).enabled, true);
  }
});

// Root ignores permission bits, so as root the attempt runs in a child process as `nobody`.
const readOnlyAttempt = `
  import { setLinuxAutostart, readLinuxAutostart } from ${JSON.stringify(join(import.meta.dirname, 'autostart-linux.ts'))};
  const ctx = JSON.parse(process.env.CTX);
  const error = await setLinuxAutostart(ctx, true).then(() => null, (e) => ({ name: e.constructor.name, message: e.message }));
  process.stdout.write(JSON.stringify({ error, state: await readLinuxAutostart(ctx) }));
`;
test('a read-only autostart folder: a clear error, nothing half-written, state stays off', { skip: process.platform === 'win32' ? 'not on Windows' : isRoot && asNobodyUnavailable() }, () => {
  const ctx = home();
  const dir = autostartDir(ctx.env, ctx.homedir);
  mkdirSync(dir, { recursive: true });
  chmodAll(tmp);
  chmodSync(dir, 0o555);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', readOnlyAttempt], {
    encoding: 'utf8', env: { ...process.env, CTX: JSON.stringify(ctx) }, cwd: join(import.meta.dirname, '..', '..'),
    ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  assert.equal(r.status, 0, r.stderr);
  const { error, state } = JSON.parse(r.stdout) as { error: { name: string; message: string } | null; state: { enabled: boolean } };
  assert.equal(error?.name, 'AutostartError');
  assert.match(error!.message, /^Cannot write the login entry in .*autostart: permission denied \(EACCES\)\. Start at login stays off\.$/);
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(state.enabled, false);
});

test('an autostart "folder" that is a file (blocked even for root): a clear error, nothing written', async () => {
  const ctx = home();
  mkdirSync(join(ctx.homedir, '.config'), { recursive: true });
  writeFileSync(join(ctx.homedir, '.config', 'autostart'), 'in the way');
  await assert.rejects(setLinuxAutostart(ctx, true), (err: Error) => err instanceof AutostartError && /Cannot write the login entry in .*autostart: .*\. Start at login stays off\./.test(err.message));
  assert.deepEqual(await readLinuxAutostart(ctx), { enabled: false, location: autostartFile(ctx) });
});

test('Exec quoting follows the Desktop Entry spec and round-trips', () => {
  assert.equal(quoteExecArg('/usr/bin/loopgate'), '/usr/bin/loopgate');
  assert.equal(quoteExecArg('/a b/c'), '"/a b/c"');
  assert.equal(quoteExecArg('/x/100%'), '/x/100%%');
  assert.equal(quoteExecArg('/x/$HOME"`\\'), '"/x/\\$HOME\\"\\`\\\\"');
  for (const arg of ['/a b/c', '/x/100% done', '/x/$HOME"`\\', "/it's"]) assert.deepEqual(parseExec(quoteExecArg(arg)), [arg]);
  const entry = desktopEntry({ env: {}, homedir: '/h', execPath: '/usr/lib/electron/electron', baseArgs: ['/src/app dir'] });
  assert.deepEqual(parseExec(parseDesktopEntry(entry).get('Exec')!), ['/usr/lib/electron/electron', '/src/app dir', '--hidden']);
});
