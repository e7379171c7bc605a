// Runs peer-child.ts as a real process (optionally as another OS user, or from another executable path) and
// hands back its connect response; the test ends it by closing its stdin.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceIdentity, ConnectOptions } from './device-client';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface PeerProcess {
  child: ChildProcess;
  result: { ok: boolean; error?: { code: string; message: string; details?: Record<string, unknown> }; auth?: { deviceToken?: string }; pid: number; sentAt: number };
  stop(): Promise<void>;
}

export interface PeerSpawn {
  /** The node executable to run (e.g. a copy elsewhere, to be another program). Default: this one. */
  exe?: string;
  uid?: number;
  gid?: number;
  /** Extra argv after the spec (a fake command line, e.g. secrets to be masked). */
  extraArgs?: string[];
}

export async function runPeer(url: string, id: DeviceIdentity, options: ConnectOptions, how: PeerSpawn = {}): Promise<PeerProcess> {
  const privateKeyPem = id.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const spec = JSON.stringify({ url, identity: { deviceId: id.deviceId, publicKey: id.publicKey, privateKeyPem }, options });
  const child = spawn(how.exe ?? process.execPath, ['--import', 'tsx', join(root, 'electron', 'testing', 'peer-child.ts'), spec, ...(how.extraArgs ?? [])], {
    cwd: root, stdio: ['pipe', 'pipe', 'inherit'], ...(how.uid !== undefined ? { uid: how.uid, gid: how.gid ?? how.uid } : {}),
    env: { ...process.env, ...(how.uid !== undefined ? { HOME: '/tmp', TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') } : {}) },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`peer child exited (${code}) before answering`)));
  });
  return {
    child, result: JSON.parse(first) as PeerProcess['result'],
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
}
