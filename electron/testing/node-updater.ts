// Test support: electron-updater's real AppImageUpdater running in plain Node. What needs the Electron runtime
// is replaced: the app adapter (version, folders, quit) and the HTTP executor (Node's http instead of
// Electron's net, loopback only). Feed parsing, version comparison, the download, its sha512 verification,
// the cache and the AppImage install are electron-updater's own code.
import { AppImageUpdater, type AppUpdater } from 'electron-updater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter';
import { HttpExecutor, configureRequestOptions, configureRequestUrl, type DownloadOptions } from 'builder-util-runtime';
import { request, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';

// electron-updater loads the `electron` module only on paths these tests must not take (quitAndInstall's
// relaunch, Electron's net, notifications). In plain Node that require would start downloading the Electron
// binary, so make it fail loudly instead.
const loader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const originalLoad = loader._load;
loader._load = function guarded(this: unknown, request: string, ...rest: unknown[]) {
  if (request === 'electron') throw new Error('electron-updater tried to load the electron module in a plain-Node test');
  return originalLoad.call(this, request, ...rest);
};

class LoopbackHttpExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest {
    if (options.protocol && options.protocol !== 'http:') throw new Error(`test feed is plain http, got ${options.protocol}`);
    const host = options.hostname ?? options.host;
    if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`tests reach only 127.0.0.1, not ${host}`);
    return request(options, callback);
  }

  // Electron's executor implements download(); this is the same flow on Node's http.
  async download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: RequestOptions & { headers?: Record<string, string> } = { headers: (options.headers as Record<string, string>) ?? undefined };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(requestOptions, { destination, options, onCancel, callback: (error) => (error == null ? resolve(destination) : reject(error)), responseHandler: null }, 0);
    });
  }
}

export interface NodeUpdaterOptions {
  feedUrl: string;
  /** The running version (app.getVersion()). */
  version: string;
  /** Folder for userData, the updater cache and app-update.yml. */
  dir: string;
  log?: (line: string) => void;
}

export interface NodeUpdater {
  updater: AppUpdater;
  /** What the app would do on quit (electron-updater's own install-on-quit hook). */
  quitHandlers: Array<(exitCode: number) => void>;
  quits: number;
}

export function createNodeUpdater(opts: NodeUpdaterOptions): NodeUpdater {
  const quitHandlers: Array<(exitCode: number) => void> = [];
  const state = { quits: 0 };
  const configPath = join(opts.dir, 'app-update.yml');
  // What electron-builder writes into resources/app-update.yml for a generic feed.
  writeFileSync(configPath, `provider: generic\nurl: ${opts.feedUrl}\nupdaterCacheDirName: loopgate-updater\n`);
  const adapter: AppAdapter = {
    version: opts.version,
    name: 'Loopgate',
    isPackaged: true,
    appUpdateConfigPath: configPath,
    userDataPath: opts.dir,
    baseCachePath: join(opts.dir, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => {},
    quit: () => void state.quits++,
    onQuit: (handler) => void quitHandlers.push(handler),
  };
  const updater = new AppImageUpdater(null, adapter);
  (updater as unknown as { httpExecutor: HttpExecutor<ClientRequest> }).httpExecutor = new LoopbackHttpExecutor();
  updater.disableDifferentialDownload = true;
  const log = opts.log ?? (() => {});
  updater.logger = { info: (m: unknown) => log(String(m)), warn: (m: unknown) => log(String(m)), error: (m: unknown) => log(String(m)) };
  return { updater, quitHandlers, get quits() { return state.quits; } };
}
