// Which OpenClaw gateway to attach to and with which secret: what the user gave (--url, --token, the tray's
// settings), else the OpenClaw configuration in the user's home, else the OpenClaw default port. A secret from
// the config is read again before every connect, so fixing a wrong token there needs no restart.
import { checkUpstreamUrl, OPENCLAW_DEFAULT_PORT, openclawConfigPath, readOpenClawTarget } from './openclaw-config';
import type { UpstreamSecret } from './upstream-client';

export interface AttachTarget {
  url: string;
  secret: () => Promise<UpstreamSecret>;
  /** In words: where the URL and the secret come from. */
  source: string;
}

export async function resolveAttachTarget(given: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env, home?: string): Promise<AttachTarget> {
  const found = await readOpenClawTarget(env, home).catch((e: Error) => {
    if (given.url && given.token) return null; // the user said everything; a broken OpenClaw config does not matter
    throw e;
  });
  const url = given.url ? checkUpstreamUrl(given.url) : found?.url ?? `ws://127.0.0.1:${OPENCLAW_DEFAULT_PORT}`;
  if (given.token) {
    const token = given.token;
    return { url, secret: async () => ({ secret: token, kind: 'token' }), source: given.url ? 'the given URL and token' : `the given token; address from ${found?.source ?? 'the OpenClaw default'}` };
  }
  const configPath = openclawConfigPath(env, home);
  return {
    url,
    secret: async () => {
      const t = await readOpenClawTarget(env, home);
      return { ...(t?.secret ? { secret: t.secret } : {}), kind: t?.secretKind ?? 'token' };
    },
    source: found ? `${found.source}${found.secret ? '' : ' (no token in it)'}` : `no OpenClaw config at ${configPath}; trying the default port without a token`,
  };
}
