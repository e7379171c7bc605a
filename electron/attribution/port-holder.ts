// Who holds the gateway's port: the process listening there (through the same attribution as peers) and
// whether it answers as an OpenClaw gateway (a `connect.challenge` event right after a WebSocket opens).
// Said in one sentence with the choices, never a bare "port in use".
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { programName, type PeerAttribution } from '../../shared/attribution';
import type { Attributor } from './attributor';

export type HolderKind = 'openclaw' | 'loopgate' | 'other';

export interface PortHolder {
  port: number;
  attribution: PeerAttribution;
  /** Answers with connect.challenge: an OpenClaw gateway (or another Loopgate, told apart by its program). */
  answersAsGateway: boolean;
  kind: HolderKind;
  /** A free port nearby to offer, if one was found. */
  freePort?: number;
}

/** Opens a WebSocket to 127.0.0.1:port and waits briefly for a `connect.challenge` event. Never throws. */
export function answersAsOpenClawGateway(port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    let ws: WebSocket | undefined;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        ws?.terminate();
      } catch {
        // already gone
      }
      resolve(v);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    try {
      ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: 64 * 1024 });
    } catch {
      finish(false);
      return;
    }
    ws.on('message', (data) => {
      try {
        const f = JSON.parse(String(data)) as { type?: unknown; event?: unknown; payload?: { nonce?: unknown } };
        finish(f.type === 'event' && f.event === 'connect.challenge' && typeof f.payload?.nonce === 'string');
      } catch {
        finish(false);
      }
    });
    ws.on('error', () => finish(false));
    ws.on('unexpected-response', () => finish(false));
    ws.on('close', () => finish(false));
  });
}

/** A free port on 127.0.0.1 near `port` (the next few), or any free one. */
export async function freePortNear(port: number, tries = 20): Promise<number | undefined> {
  const attempt = (p: number) => new Promise<number | undefined>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(p, '127.0.0.1', () => {
      const got = (srv.address() as { port: number }).port;
      srv.close(() => resolve(got));
    });
  });
  for (let p = port + 1; p < Math.min(65536, port + 1 + tries); p++) {
    const got = await attempt(p);
    if (got) return got;
  }
  return attempt(0);
}

function isLoopgate(a: PeerAttribution): boolean {
  const p = a.process;
  if (!p) return false;
  return /^loopgate/i.test(p.name) || /(?:^|[\s/\\])(?:bin\/loopgate\.mjs|dist\/cli\.mjs|loopgate(?:\.exe)?)(?:\s|$)/i.test(p.cmdline ?? '') || /[\\/]Loopgate(?:\.app)?[\\/]/i.test(p.exe ?? '');
}

export async function whoHoldsPort(port: number, attributor: Attributor): Promise<PortHolder> {
  const [attribution, answersAsGateway, freePort] = await Promise.all([attributor.listener(port), answersAsOpenClawGateway(port), freePortNear(port)]);
  const kind: HolderKind = isLoopgate(attribution) ? 'loopgate' : answersAsGateway ? 'openclaw' : 'other';
  return { port, attribution, answersAsGateway, kind, ...(freePort ? { freePort } : {}) };
}

function holderText(h: PortHolder): string {
  const a = h.attribution;
  if (a.status === 'found' && a.process) {
    const p = a.process;
    const user = a.sameUser === false && p.user ? `, user ${p.user}` : '';
    return `${programName(p)} (PID ${p.pid}${p.exe ? `, ${p.exe}` : ''}${user})`;
  }
  if (a.method === 'none') return 'a program this system does not let Loopgate identify';
  return `a program Loopgate cannot identify (${a.why ?? 'unknown'})`;
}

/**
 * The one sentence every surface shows. `surface` picks how the other-port choice is phrased: a flag for
 * the command line, the settings for the tray app.
 */
export function portTakenSentence(h: PortHolder, surface: 'cli' | 'tray'): string {
  const other = surface === 'cli'
    ? `run Loopgate's own gateway on another port with \`--port ${h.freePort ?? 'N'}\`${h.freePort ? ' (free now)' : ''}`
    : `move Loopgate's own gateway to ${h.freePort ? `free port ${h.freePort}` : 'another port'} (saved in Settings)`;
  const attach = surface === 'cli' ? 'attach to it as its approval companion with `loopgate attach` (or `loopgate gateway --attach`)' : 'attach to it as its approval companion';
  const where = `Port ${h.port} on 127.0.0.1 is held by ${holderText(h)}`;
  if (h.kind === 'openclaw') return `${where}, which answers as an OpenClaw gateway: ${attach}, or ${other}.`;
  if (h.kind === 'loopgate') return `${where}, which is another Loopgate gateway: use that one (its dashboard: \`loopgate dashboard --port ${h.port}\`), or ${other}.`;
  return `${where}, which does not answer as an OpenClaw gateway: stop that program, or ${other}.`;
}
