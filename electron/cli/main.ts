// `loopgate` command line: run the headless gateway, print the token, and manage devices over the protocol.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../../shared/config';
import type { PairedDeviceView, PendingRequestView } from '../../shared/pairing-types';
import { LOOPGATE_VERSION } from '../../shared/version';
import { attributionLabel, programName } from '../../shared/attribution';
import { Attributor } from '../attribution/attributor';
import { portTakenSentence, whoHoldsPort } from '../attribution/port-holder';
import { resolveAttachTarget } from '../attach/attach-target';
import { startAttached } from '../attach/attached-gateway';
import { PortInUseError, startGateway } from '../gateway/gateway';
import { OPENCLAW_STATUS_KEYS } from '../gateway/openclaw-status';
import { logGatewayEvents } from '../logging/gateway-events';
import { logsDir, RotatingLog } from '../logging/rotating-log';
import { loadOrCreateGatewayToken } from '../pairing/gateway-secret';
import { APPROVALS_USAGE, ApprovalsUsageError, runApprovals } from './approvals-cli';
import { defaultHome } from './data-home';
import { GatewayRpc } from './gateway-rpc';

const USAGE = `Usage: loopgate <command> [options]

Commands:
  gateway [--port N] [--home DIR]         run the gateway without Electron (port 0 picks a free one)
  attach [--url ws://127.0.0.1:PORT] [--token T] [--port N]
                                          be the approval companion of a running OpenClaw gateway (URL and token
                                          default to its config in ~/.openclaw); the dashboard is on --port (default: free)
  gateway --attach [...]                  the same as attach
  token [--home DIR]                      print the gateway token
  dashboard                               print a fresh one-time dashboard link
  status [--json]                         show the running gateway's state
  devices list [--json]                   pending requests and paired devices
  devices approve <requestId>             approve a pending request
  devices reject <requestId>              deny a pending request
  devices remove <deviceId>               forget a paired device
  devices rename <deviceId> --name NAME   give a paired device your own name (kept apart from the one it reports)
  devices rotate --device ID --role ROLE [--scope S ...]   issue a new device token
  devices revoke --device ID --role ROLE  revoke a device token (its live connections close)
${APPROVALS_USAGE}

Options: --home DIR (or LOOPGATE_HOME), --port N (or LOOPGATE_PORT, default ${DEFAULT_PORT}),
         --url ws://127.0.0.1:PORT, --token TOKEN, --json`;

class UsageError extends Error {}

function portOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`invalid port: ${value} (expected 0–65535)`);
  return n;
}

function configuredPort(home: string): number {
  try {
    const cfg = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { port?: unknown };
    return typeof cfg.port === 'number' && cfg.port > 0 ? cfg.port : DEFAULT_PORT;
  } catch {
    return DEFAULT_PORT;
  }
}

/** dist/renderer beside the bundled CLI (dist/cli.mjs), or beside the sources when run through tsx. */
function rendererDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'renderer'), join(here, '..', '..', 'dist', 'renderer')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function printDevices(list: { pending: PendingRequestView[]; paired: PairedDeviceView[] }): string {
  const out: string[] = [];
  if (!list.pending.length && !list.paired.length) return 'No device pairing entries.';
  if (list.pending.length) {
    out.push(`Pending (${list.pending.length})`);
    out.push(table([['Request', 'Device', 'Reason', 'Role', 'Scopes', 'From', 'Program', 'Age'], ...list.pending.map((r) => [
      r.requestId, `${r.displayName ? `${r.displayName} (reported)` : r.deviceId.slice(0, 16)}`, r.reason, r.role,
      r.scopes.join(',') || '-', `${r.locality} ${r.sourceAddress}`,
      `${r.attribution ? attributionLabel(r.attribution) : '-'}${r.programChanged && r.approvedFrom ? ` (approved from ${programName(r.approvedFrom)})` : ''}`, ago(r.createdAtMs)])]));
  }
  if (list.paired.length) {
    if (out.length) out.push('');
    out.push(`Paired (${list.paired.length})`);
    out.push(table([['Device', 'Name', 'Reported name', 'Roles', 'Scopes', 'Tokens', 'Connected', 'Last program'], ...list.paired.map((d) => [
      d.deviceId.slice(0, 16), d.operatorLabel ?? '-', d.displayName ?? '-', d.roles.join(',') || '-', d.scopes.join(',') || '-',
      d.tokens.map((t) => (t.revokedAtMs ? `${t.role} (revoked)` : t.role)).join(',') || '-', d.connected ? 'yes' : 'no',
      `${d.lastFrom ? programName(d.lastFrom) : '-'}${d.programChanged && d.approvedFrom ? ` (changed; approved from ${programName(d.approvedFrom)})` : ''}`])]));
  }
  return out.join('\n');
}

/** What a person must know first from `loopgate status`: a store or settings file the gateway could not use. */
export function statusWarnings(s: Record<string, unknown>): string[] {
  const out: string[] = [];
  const health = (v: unknown) => (typeof v === 'object' && v !== null ? v as { ok?: unknown; error?: unknown } : undefined);
  const store = health(s.store);
  if (store?.ok === false) out.push(`pairing store unavailable, failing closed: ${String(store.error ?? 'unreadable')}`);
  const config = health(s.config);
  if (config?.ok === false) out.push(`settings file unusable: ${String(config.error ?? 'unreadable')}`);
  return out;
}

/** LOOPGATE_PENDING_TTL_MS shortens how long requests wait (tests, demos); otherwise config.json decides. */
function timingFromEnv(env: NodeJS.ProcessEnv): { pendingTtlMs?: number } {
  const raw = env.LOOPGATE_PENDING_TTL_MS;
  if (raw === undefined || raw === '') return {};
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100 || ms > 3_600_000) throw new UsageError(`invalid LOOPGATE_PENDING_TTL_MS: ${raw} (expected 100–3600000 ms)`);
  return { pendingTtlMs: ms };
}

async function runGateway(home: string, port: number): Promise<void> {
  // The headless gateway's log: <home>/logs/gateway.log (the tray app writes app.log beside it).
  const file = new RotatingLog(logsDir(home), { name: 'gateway' });
  const log = (line: string): void => {
    process.stderr.write(`loopgate: ${file.redactor.redact(line)}\n`);
    file.write(line);
  };
  file.redactor.addSecret(await loadOrCreateGatewayToken(home));
  let gw;
  try {
    gw = await startGateway({ home, port, rendererDir: rendererDir(), timing: timingFromEnv(process.env), log });
  } catch (e) {
    file.write(`gateway did not start: ${(e as Error).message}`, 'error');
    if (e instanceof PortInUseError) {
      // Name who holds the port and offer the choices, never a bare "port in use".
      const holder = await whoHoldsPort(e.port, await Attributor.forThisOs());
      process.stderr.write(`loopgate: ${portTakenSentence(holder, 'cli')}\n`);
      process.exit(1);
    }
    throw e;
  }
  file.write(`Loopgate ${LOOPGATE_VERSION} headless gateway listening on ${gw.url} (data: ${home})`);
  logGatewayEvents(gw, (line) => file.write(line));
  process.stdout.write(`Loopgate gateway listening on ${gw.url}\n`);
  process.stdout.write(`Dashboard (one-time link, keep it private): ${gw.dashboardUrl()}\n`);
  process.stdout.write(`Data folder: ${home}\n`);
  process.stdout.write(`Log: ${file.file}\n`);
  const health = gw.storeHealth();
  if (!health.ok) process.stderr.write(`loopgate: WARNING pairing store unavailable, failing closed: ${health.error}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    file.write(`stopping (${signal})`);
    const force = setTimeout(() => process.exit(0), 900);
    force.unref();
    void gw.close(`received ${signal}`).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Headless attach mode: Loopgate's window server backed by an OpenClaw gateway; state changes on stderr. */
async function runAttach(home: string, given: { url?: string; token?: string; port: number }): Promise<void> {
  const target = await resolveAttachTarget(given).catch((e: Error) => { throw new UsageError(e.message); });
  const gw = await startAttached({
    home, url: target.url, secret: target.secret, port: given.port, rendererDir: rendererDir(),
    log: (line) => process.stderr.write(`loopgate: ${line}\n`),
  });
  process.stdout.write(`Loopgate attaching to the OpenClaw gateway at ${target.url} (${target.source})\n`);
  process.stdout.write(`Dashboard (one-time link, keep it private): ${gw.dashboardUrl()}\n`);
  process.stdout.write(`Data folder: ${home}\n`);
  // Problems reach stderr through the log; a successful attach is also said on stdout, for scripts.
  gw.upstream.on('state', (s) => {
    if (s.status === 'connected') process.stdout.write(`Attached to the OpenClaw gateway at ${s.url}${s.server?.version ? ` (OpenClaw ${s.server.version})` : ''}\n`);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 1500);
    force.unref();
    void gw.close(`received ${signal}`).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      home: { type: 'string' }, port: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' },
      json: { type: 'boolean' }, device: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, scope: { type: 'string', multiple: true },
      attach: { type: 'boolean' }, for: { type: 'string' }, always: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.version) return void process.stdout.write(`${LOOPGATE_VERSION}\n`);
  if (values.help || !command) return void process.stdout.write(`${USAGE}\n`);
  const home = resolve(values.home ?? defaultHome());
  const port = portOf(values.port) ?? portOf(process.env.LOOPGATE_PORT);

  if (command === 'attach' || (command === 'gateway' && values.attach)) return runAttach(home, { url: values.url, token: values.token, port: port ?? 0 });
  if (command === 'gateway') return runGateway(home, port ?? configuredPort(home));
  if (command === 'token') return void process.stdout.write(`${await loadOrCreateGatewayToken(home)}\n`);

  const url = values.url ?? process.env.LOOPGATE_URL ?? `ws://127.0.0.1:${port ?? configuredPort(home)}`;
  const token = values.token ?? (await loadOrCreateGatewayToken(home));
  const print = (value: unknown, text: () => string): void => void process.stdout.write(`${values.json ? JSON.stringify(value, null, 2) : text()}\n`);
  const needs = (v: string | undefined, what: string): string => {
    if (!v) throw new UsageError(`missing ${what}`);
    return v;
  };
  let rpc: GatewayRpc;
  try {
    rpc = await GatewayRpc.connect(url, token);
  } catch (err) {
    // Not running (or not reachable): the logs are where to look next.
    if (command === 'status') throw new Error(`${(err as Error).message}\nlogs: ${logsDir(home)}`, { cause: err });
    throw err;
  }
  try {
    if (command === 'status') {
      // Where to look when something went wrong: the logs of this data folder (tray app and headless gateway).
      const s = { ...(await rpc.call<Record<string, unknown>>('status')), logs: logsDir(home) };
      for (const line of statusWarnings(s)) process.stderr.write(`loopgate: WARNING ${line}\n`);
      const line = (k: string, v: unknown): string => {
        const a = v as { method?: string; text?: string } | null;
        if (k === 'attribution' && a?.method) return `attribution: ${a.method} (${a.text ?? ''})`;
        return `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
      };
      const own = Object.entries(s).filter(([k]) => !(OPENCLAW_STATUS_KEYS as readonly string[]).includes(k));
      return print(s, () => own.map(([k, v]) => line(k, v)).join('\n'));
    }
    if (command === 'dashboard') {
      const r = await rpc.call<{ url: string }>('loopgate.dashboard.link');
      return print(r, () => r.url);
    }
    if (command === 'approvals') return await runApprovals(rpc, sub, arg, values, print);
    if (command !== 'devices') throw new UsageError(`unknown command: ${command}`);
    switch (sub) {
      case 'list': {
        const r = await rpc.call<{ pending: PendingRequestView[]; paired: PairedDeviceView[] }>('device.pair.list', {});
        return print(r, () => printDevices(r));
      }
      case 'approve': {
        const r = await rpc.call<{ requestId: string; device: PairedDeviceView }>('device.pair.approve', { requestId: needs(arg, 'requestId') });
        return print(r, () => `Approved ${r.device.deviceId} (${r.requestId})`);
      }
      case 'reject': {
        const r = await rpc.call<{ requestId: string; deviceId: string }>('device.pair.reject', { requestId: needs(arg, 'requestId') });
        return print(r, () => `Rejected ${r.deviceId}`);
      }
      case 'remove': {
        const r = await rpc.call<{ deviceId: string }>('device.pair.remove', { deviceId: needs(arg ?? values.device, 'deviceId') });
        return print(r, () => `Removed ${r.deviceId}`);
      }
      case 'rename': {
        const r = await rpc.call<{ deviceId: string; label: string }>('device.pair.rename', { deviceId: needs(arg ?? values.device, 'deviceId'), label: needs(values.name, '--name') });
        return print(r, () => `Renamed ${r.deviceId} → ${r.label}`);
      }
      case 'rotate': {
        const r = await rpc.call('device.token.rotate', { deviceId: needs(values.device ?? arg, '--device'), role: needs(values.role, '--role'), ...(values.scope ? { scopes: values.scope } : {}) });
        return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      }
      case 'revoke': {
        const r = await rpc.call('device.token.revoke', { deviceId: needs(values.device ?? arg, '--device'), role: needs(values.role, '--role') });
        return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      }
      default:
        throw new UsageError(`unknown devices command: ${sub ?? '(none)'}`);
    }
  } finally {
    rpc.close();
  }
}

export function run(argv: string[]): void {
  main(argv).catch((e: unknown) => {
    const err = e as Error;
    const usage = err instanceof UsageError || err instanceof ApprovalsUsageError;
    process.stderr.write(`loopgate: ${err.message}${usage ? `\n\n${USAGE}` : ''}\n`);
    process.exit(usage ? 2 : 1);
  });
}
