// Where an existing OpenClaw gateway listens and which secret opens it, read the way OpenClaw itself resolves
// them: the config at $OPENCLAW_CONFIG_PATH, else $OPENCLAW_STATE_DIR/openclaw.json, else ~/.openclaw/openclaw.json
// (JSON5: comments, trailing commas, unquoted keys), with OPENCLAW_GATEWAY_PORT / OPENCLAW_GATEWAY_TOKEN taking
// precedence and `${VAR}` references resolved from the environment. Only loopback addresses are ever used.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const OPENCLAW_DEFAULT_PORT = 18789;

export interface OpenClawTarget {
  /** ws://127.0.0.1:PORT */
  url: string;
  /** The shared secret (gateway.auth.token, or the password in password mode); absent when none is configured. */
  secret?: string;
  secretKind: 'token' | 'password';
  /** Where the values came from, for messages ("~/.openclaw/openclaw.json", "OPENCLAW_GATEWAY_TOKEN"). */
  source: string;
}

export function openclawConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.OPENCLAW_CONFIG_PATH) return env.OPENCLAW_CONFIG_PATH;
  return join(env.OPENCLAW_STATE_DIR || join(home, '.openclaw'), 'openclaw.json');
}

/** JSON5 as OpenClaw's config uses it, turned into JSON: comments dropped, keys and single-quoted strings quoted, trailing commas removed. */
export function json5ToJson(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < n) {
          const next = text[i + 1]!;
          s += next === "'" ? "'" : next === '\n' ? '' : `\\${next}`;
          i += 2;
          continue;
        }
        s += text[i] === '"' ? '\\"' : text[i];
        i++;
      }
      if (i >= n) throw new SyntaxError('unterminated string');
      i++;
      out += `"${s}"`;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new SyntaxError('unterminated comment');
      i = end + 2;
    } else if (/[A-Za-z_$]/.test(c)) {
      let word = '';
      while (i < n && /[\w$]/.test(text[i]!)) word += text[i++];
      // A bare word followed by ':' is a key; true/false/null stay literals.
      let j = i;
      while (j < n && /\s/.test(text[j]!)) j++;
      out += text[j] === ':' ? `"${word}"` : word;
    } else if (c === ',') {
      let j = i + 1;
      while (j < n) {
        if (/\s/.test(text[j]!)) j++;
        else if (text[j] === '/' && text[j + 1] === '/') { while (j < n && text[j] !== '\n') j++; }
        else if (text[j] === '/' && text[j + 1] === '*') { const end = text.indexOf('*/', j + 2); j = end < 0 ? n : end + 2; }
        else break;
      }
      if (text[j] !== '}' && text[j] !== ']') out += ',';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `${VAR}` from the environment; `$${VAR}` stays literal. Undefined when a referenced variable is not set. */
function substitute(value: string, env: NodeJS.ProcessEnv): string | undefined {
  let missing = false;
  const out = value.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => {
    if (m.startsWith('$$')) return m.slice(1);
    const v = env[name];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

function portOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 65535 ? n : undefined;
}

/**
 * The local OpenClaw gateway as its configuration describes it, or null when there is neither a config file nor
 * an OPENCLAW_GATEWAY_* variable. A config that cannot be read or parsed is an error naming the file.
 */
export async function readOpenClawTarget(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): Promise<OpenClawTarget | null> {
  const path = openclawConfigPath(env, home);
  let cfg: { gateway?: { port?: unknown; auth?: { mode?: unknown; token?: unknown; password?: unknown } } } | undefined;
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the OpenClaw config ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (text !== undefined) {
    try {
      cfg = JSON.parse(json5ToJson(text)) as typeof cfg;
    } catch (e) {
      throw new Error(`cannot parse the OpenClaw config ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!cfg && !env.OPENCLAW_GATEWAY_PORT && !env.OPENCLAW_GATEWAY_TOKEN) return null;
  const port = portOf(env.OPENCLAW_GATEWAY_PORT) ?? portOf(cfg?.gateway?.port) ?? OPENCLAW_DEFAULT_PORT;
  const auth = cfg?.gateway?.auth ?? {};
  const secretKind = auth.mode === 'password' ? 'password' : 'token';
  let secret: string | undefined;
  let source = cfg ? path : 'environment';
  if (secretKind === 'token' && env.OPENCLAW_GATEWAY_TOKEN) {
    secret = env.OPENCLAW_GATEWAY_TOKEN;
    source = 'OPENCLAW_GATEWAY_TOKEN';
  } else {
    const raw = secretKind === 'password' ? auth.password : auth.token;
    if (typeof raw === 'string') secret = substitute(raw, env) || undefined;
  }
  return { url: `ws://127.0.0.1:${port}`, ...(secret ? { secret } : {}), secretKind, source };
}

/** Only a loopback ws:// URL is accepted for an upstream gateway: Loopgate never talks to anything else. */
export function checkUpstreamUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`invalid gateway URL: ${raw} (expected ws://127.0.0.1:PORT)`);
  }
  if (u.protocol !== 'ws:') throw new Error(`unsupported gateway URL ${raw}: only ws:// on this machine (127.0.0.1, localhost or [::1])`);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error(`refusing ${raw}: Loopgate attaches only to a gateway on this machine (127.0.0.1, localhost or [::1])`);
  if (u.username || u.password || u.search || u.hash) throw new Error(`invalid gateway URL ${raw}: no credentials, query or fragment`);
  const host = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname;
  return `ws://${host}:${u.port || '80'}${u.pathname === '/' ? '' : u.pathname}`;
}
