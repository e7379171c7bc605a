// health, status, system-presence, gateway.identity.get, config.get / config.set.
import { z } from 'zod';
import { CloseCode } from '../../../shared/errors';
import { ParamSchemas } from '../../../shared/methods';
import { TOKEN_ROTATED } from '../token-rotation';
import type { Gateway } from '../gateway';
import { method, ownerOnly, plain, type MethodDef } from '../router';

export function systemMethods(gw: Gateway): Record<string, MethodDef> {
  return {
    health: plain(() => ({ ok: true, status: 'ok', ts: Date.now(), uptimeMs: gw.uptimeMs(), version: gw.version, durationMs: 0 })),
    status: plain((_p, { conn }) => gw.status(conn)),
    'system-presence': plain((_p, { conn }) => gw.presence(conn)),
    'gateway.identity.get': plain(() => gw.identity()),
    'config.get': method(ParamSchemas['config.get'], () => ({ config: gw.config.get(), path: gw.config.path, health: gw.config.health() })),
    'config.set': ownerOnly(method(ParamSchemas['config.set'], async (p) => ({ config: await gw.setConfig(p.path, p.value), health: gw.config.health() }))),
    'loopgate.gateway.token.get': ownerOnly(method(z.strictObject({}).optional(), () => ({ token: gw.gatewayToken() }))),
    'loopgate.gateway.token.rotate': ownerOnly(method(z.strictObject({}).optional(), async (_p, { conn, afterReply }) => {
      const token = await gw.rotateGatewayToken(conn);
      // A caller that authenticated with the old token is told the new one, then its session ends like the rest.
      if (conn.identity!.authMethod === 'token') afterReply(() => conn.close(CloseCode.POLICY, TOKEN_ROTATED));
      return { token };
    })),
    'loopgate.dashboard.link': ownerOnly(method(z.strictObject({}).optional(), (_p, { conn }) => ({ url: gw.dashboardUrl(conn) }))),
  };
}
