// A process's command line as shown to the user: argv may hold secrets (`--token X`), megabytes of text,
// control or bidi characters, or text dressed up as our own labels. Shown cleaned, bounded and masked.
import { cleanReported } from '../../shared/reported-text';

export const MAX_CMDLINE_CHARS = 512;
/** Each argument is cut before joining, so one huge argument cannot hide the rest. */
const MAX_ARG_CHARS = 160;
const MASK = '***';

// Flags whose value is a secret: --token X, --token=X, -p X, --api-key X, --password X, …
const SECRET_FLAG = /^(?:--?)(?:[a-z0-9_-]*(?:token|secret|passw(?:or)?d|api[-_]?key|apikey|auth|credential|cookie|session[-_]?key|private[-_]?key|access[-_]?key)[a-z0-9_-]*|p)$/i;
// NAME=VALUE pairs (env-style arguments) whose name says secret.
const SECRET_ASSIGN = /^([A-Za-z0-9_.-]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|AUTH|CREDENTIAL|COOKIE)[A-Za-z0-9_.-]*)=(.+)$/i;
// Credentials inside URLs: scheme://user:pass@host, and ?token=… query parameters.
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;
const URL_SECRET_PARAM = /([?&#](?:token|access_token|auth|key|api_key|password|secret)=)[^&#\s]+/gi;
// Well-known secret shapes that may appear bare.
const BARE_SECRETS = /\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b/g;

function maskInline(arg: string): string {
  return arg.replace(URL_USERINFO, `$1$2:${MASK}@`).replace(URL_SECRET_PARAM, `$1${MASK}`).replace(BARE_SECRETS, MASK);
}

/** Mask the secrets in argv (before any cleaning, so a split value is still recognised). */
export function maskArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0 && SECRET_FLAG.test(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=${MASK}`);
      continue;
    }
    if (arg.startsWith('-') && SECRET_FLAG.test(arg) && i + 1 < argv.length && arg !== '-p') {
      out.push(arg, MASK);
      i++;
      continue;
    }
    const assign = SECRET_ASSIGN.exec(arg);
    if (assign && !arg.startsWith('-')) {
      out.push(`${assign[1]}=${MASK}`);
      continue;
    }
    out.push(maskInline(arg));
  }
  return out;
}

/** Quote an argument when it holds spaces, so the line reads as the argv it was. */
function quote(arg: string): string {
  return /\s/.test(arg) || arg === '' ? `"${arg.replace(/"/g, '\\"')}"` : arg;
}

/**
 * argv → one display line: secrets masked, control and bidi characters gone, each argument and the whole
 * bounded. Returns undefined when nothing readable is left.
 */
export function cleanCommandLine(argv: readonly string[], max = MAX_CMDLINE_CHARS): string | undefined {
  const parts: string[] = [];
  let length = 0;
  for (const arg of maskArgv(argv.slice(0, 256))) {
    const clean = cleanReported(arg, MAX_ARG_CHARS);
    if (clean === undefined) continue;
    parts.push(quote(clean));
    length += clean.length + 1;
    if (length > max) break;
  }
  if (argv.length > 256) parts.push('…');
  return cleanReported(parts.join(' '), max);
}

/** Split a one-string command line (macOS `ps`, Windows) into argv, honouring double quotes. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** Interpreter options that take a value (which is not the script). */
const VALUE_FLAGS = new Set(['--import', '-r', '--require', '--loader', '--experimental-loader', '--env-file', '--inspect-port', '--conditions', '-C', '--title', '-W', '-X', '-c', '-e', '--eval', '-p', '--print']);

const INTERPRETERS = /^(?:node|nodejs|bun|deno|python[0-9.]*|pypy[0-9.]*|ruby|perl|php|java|sh|bash|zsh|dash|fish|pwsh|powershell|osascript|npx|tsx|ts-node|uv|uvx)(?:\.exe)?$/i;

/** For an interpreter, the script it runs: "claude" for `node /usr/lib/node_modules/.bin/claude --x`. */
export function scriptOf(name: string, argv: readonly string[]): string | undefined {
  if (!INTERPRETERS.test(name)) return undefined;
  const args = argv.slice(1, 24);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-m' && args[i + 1]) return cleanReported(args[i + 1], 48);
    if (VALUE_FLAGS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    const parts = arg.replace(/\\/g, '/').split('/').filter(Boolean);
    const base = parts.pop();
    if (!base) continue;
    const stem = base.replace(/\.(?:m?js|cjs|ts|py|rb|pl|sh)$/i, '');
    // A generic entry file says less than the package folder it lives in: claude-code/cli.js → claude-code.
    const generic = /^(?:index|main|cli|__main__|run|bin)$/i.test(stem) && parts.length > 0;
    return cleanReported(generic ? parts.filter((p) => !/^(?:dist|lib|bin|src|build)$/i.test(p)).pop() ?? stem : stem, 48);
  }
  return undefined;
}
