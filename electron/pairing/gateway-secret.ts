// The gateway's shared secret (owner token) in `<dir>/gateway-token`: 0600 from creation, written atomically so
// a reader never sees a half-written token, and created under a lock so two processes starting together agree.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE, readFileIfExists, writeFileAtomic } from './atomic-file';
import { withFileLock } from './file-lock';
import { newToken } from './token-hash';

export const GATEWAY_TOKEN_FILE = 'gateway-token';

/** A usable secret: printable ASCII without spaces, at least 32 characters (a generated one has 43). */
const USABLE = /^[\x21-\x7e]{32,1024}$/;

/** Returns the stored token, creating it on first use. An empty or too-short file is replaced by a fresh token. */
export async function loadOrCreateGatewayToken(dir: string): Promise<string> {
  const file = path.join(dir, GATEWAY_TOKEN_FILE);
  await ensurePrivateDir(dir);
  const existing = await readUsable(file);
  if (existing !== undefined) return existing;
  return withFileLock(`${file}.lock`, async () => {
    const raced = await readUsable(file); // another process may have created it while we waited
    if (raced !== undefined) return raced;
    const token = newToken();
    await writeFileAtomic(file, `${token}\n`);
    return token;
  });
}

/** Replaces the token (atomically) and returns the new one. */
export async function rotateGatewayToken(dir: string): Promise<string> {
  const file = path.join(dir, GATEWAY_TOKEN_FILE);
  await ensurePrivateDir(dir);
  return withFileLock(`${file}.lock`, async () => {
    const token = newToken();
    await writeFileAtomic(file, `${token}\n`);
    return token;
  });
}

async function readUsable(file: string): Promise<string | undefined> {
  const bytes = await readFileIfExists(file);
  if (bytes === undefined) return undefined;
  const token = bytes.toString('utf8').trim();
  if (!USABLE.test(token)) return undefined;
  if (process.platform !== 'win32') {
    const st = await fsp.stat(file);
    if ((st.mode & 0o077) !== 0) await fsp.chmod(file, PRIVATE_FILE_MODE); // was readable by others: tighten
  }
  return token;
}
