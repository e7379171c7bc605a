// Which gateway the tray app runs: Loopgate's own, or attached to an existing OpenClaw gateway as its approval
// companion. Attach mode is chosen by the user (the "Attach to it" answer when the port is taken, remembered in
// the preferences), by `--attach`, or by LOOPGATE_ATTACH=1; the URL and token come from OpenClaw's own config
// unless LOOPGATE_ATTACH_URL / OPENCLAW_GATEWAY_TOKEN say otherwise.
import { resolveAttachTarget } from '../attach/attach-target';
import { startAttached, type AttachedGateway } from '../attach/attached-gateway';
import type { GatewayModePref } from './prefs-migrations';

export interface AttachWish {
  url?: string;
}

export function wantsAttach(argv: readonly string[], env: NodeJS.ProcessEnv, pref: GatewayModePref): AttachWish | null {
  const url = env.LOOPGATE_ATTACH_URL || undefined;
  if (argv.includes('--attach') || env.LOOPGATE_ATTACH === '1') return url ? { url } : {};
  if (pref.mode !== 'attach') return null;
  const chosen = url ?? pref.url;
  return chosen ? { url: chosen } : {};
}

export interface AttachModeOptions {
  home: string;
  wish: AttachWish;
  rendererDir: string;
  appOrigins: string[];
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  backoff?: { minMs: number; maxMs: number; unauthorizedMs: number };
}

/** Start Loopgate's window server backed by the OpenClaw gateway; it keeps retrying until that gateway answers. */
export async function startAttachMode(opts: AttachModeOptions): Promise<AttachedGateway> {
  const target = await resolveAttachTarget({ ...(opts.wish.url ? { url: opts.wish.url } : {}) }, opts.env ?? process.env);
  opts.log(`attach mode: ${target.url} (${target.source})`);
  return startAttached({
    home: opts.home, url: target.url, secret: target.secret, port: 0, rendererDir: opts.rendererDir, appOrigins: opts.appOrigins, log: opts.log,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
  });
}
