#!/usr/bin/env node
// Finds a Chromium for the browser tests, installing one when the machine has none, then runs the command it
// was given (the Playwright run) with LOOPGATE_BROWSER set to the executable. `npm test` goes through here so a
// fresh clone needs nothing done by hand. The order:
//   1. Playwright's own Chromium (already downloaded),
//   2. a system Chromium or Chrome,
//   3. `playwright install chromium`,
//   4. on Debian or Ubuntu, running as root: `apt-get install chromium`;
// otherwise it stops with one sentence saying what to install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const NOT_FOUND_MESSAGE =
  'No Chromium for the browser tests: install Chromium or Google Chrome (on Debian or Ubuntu: `sudo apt-get install chromium`), or run `npx playwright install chromium`.';

/** Executable names looked up on PATH, then the usual install locations of each system. */
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

export function systemCandidates(platform = process.platform, env = process.env) {
  if (platform === 'darwin') {
    return ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];
  }
  if (platform === 'win32') {
    const roots = [env.LOCALAPPDATA, env.PROGRAMFILES, env['PROGRAMFILES(X86)']].filter(Boolean);
    return roots.flatMap((r) => [join(r, 'Chromium', 'Application', 'chrome.exe'), join(r, 'Google', 'Chrome', 'Application', 'chrome.exe')]);
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];
}

/** A regular file we may execute. */
export function isExecutable(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, process.platform === 'win32' ? constants.R_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable among PATH lookups and the system's usual locations. */
export function findSystemBrowser({ platform = process.platform, env = process.env, candidates = systemCandidates(platform, env) } = {}) {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const exts = platform === 'win32' ? ['.exe'] : [''];
  for (const name of PATH_NAMES) {
    for (const dir of dirs) {
      for (const ext of exts) {
        const p = join(dir, name + ext);
        if (isExecutable(p)) return p;
      }
    }
  }
  return candidates.find(isExecutable);
}

/** Where Playwright keeps its own Chromium, if it has been downloaded. */
export function findPlaywrightBrowser() {
  try {
    const { chromium } = createRequire(import.meta.url)('playwright-core');
    const p = chromium.executablePath();
    return p && isExecutable(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

export function isDebianLike(osRelease) {
  const fields = Object.fromEntries(
    osRelease.split('\n').map((l) => l.match(/^([A-Z_]+)=(.*)$/)).filter(Boolean).map((m) => [m[1], m[2].replace(/^"|"$/g, '')]),
  );
  return [fields.ID, ...(fields.ID_LIKE ?? '').split(/\s+/)].some((id) => id === 'debian' || id === 'ubuntu');
}

/**
 * The search itself, with every probe injected so the order is testable:
 * playwright() and system() return a path or undefined; installPlaywright() and installApt() try to install
 * and return whether that succeeded; canApt() says whether apt is ours to use (Debian/Ubuntu as root).
 */
export function findBrowser(probes, log = () => {}) {
  const own = probes.playwright();
  if (own) return { path: own, source: 'playwright' };
  const system = probes.system();
  if (system) return { path: system, source: 'system' };
  log('No Chromium found: trying `playwright install chromium`…');
  if (probes.installPlaywright()) {
    const installed = probes.playwright();
    if (installed) return { path: installed, source: 'playwright-install' };
  }
  if (probes.canApt()) {
    log('Trying `apt-get install chromium` (Debian/Ubuntu, running as root)…');
    if (probes.installApt()) {
      const installed = probes.system();
      if (installed) return { path: installed, source: 'apt' };
    }
  }
  return undefined;
}

const root = fileURLToPath(new URL('..', import.meta.url));

function run(cmd, args, timeoutMs) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

export function realProbes() {
  return {
    playwright: findPlaywrightBrowser,
    system: () => findSystemBrowser(),
    installPlaywright: () => {
      const cli = join(root, 'node_modules', 'playwright', 'cli.js');
      return existsSync(cli) && run(process.execPath, [cli, 'install', 'chromium'], 5 * 60_000);
    },
    canApt: () => {
      if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
      try {
        return isDebianLike(readFileSync('/etc/os-release', 'utf8')) && existsSync('/usr/bin/apt-get');
      } catch {
        return false;
      }
    },
    installApt: () => run('apt-get', ['update', '-qq'], 5 * 60_000) && run('apt-get', ['install', '-y', '-qq', 'chromium'], 10 * 60_000),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const log = (line) => process.stderr.write(`ensure-browser: ${line}\n`);
  const found = process.env.LOOPGATE_BROWSER && isExecutable(process.env.LOOPGATE_BROWSER)
    ? { path: process.env.LOOPGATE_BROWSER, source: 'LOOPGATE_BROWSER' }
    : findBrowser(realProbes(), log);
  if (!found) {
    process.stderr.write(`${NOT_FOUND_MESSAGE}\n`);
    process.exit(1);
  }
  log(`using ${found.path} (${found.source})`);
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) process.exit(0);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32', env: { ...process.env, LOOPGATE_BROWSER: found.path } });
  process.exit(r.status ?? 1);
}
