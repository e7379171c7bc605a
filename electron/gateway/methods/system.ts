// health, status, system-presence, gateway.identity.get, config.get / config.set.
import { z } from 'zod';
import { ParamSchemas } from '../../../shared/methods';
import type { Gateway } from '../gateway';
import { method, plain, type MethodDef } from '../router';

export function systemMethods(gw: Gateway): Record<string, MethodDef> {
  return {
    health: plain(() => ({ ok: true, status: 'ok', ts: Date.now(), uptimeMs: gw.uptimeMs(), version: gw.version, durationMs: 0 })),
    status: plain(() => gw.status()),
    'system-presence': plain(() => gw.presence()),
    'gateway.identity.get': plain(() => gw.identity()),
    'config.get': method(ParamSchemas['config.get'], () => ({ config: gw.config.get(), path: gw.config.path })),
    'config.set': method(ParamSchemas['config.set'], async (p) => ({ config: await gw.setConfig(p.path, p.value) })),
    'loopgate.gateway.token.get': method(z.strictObject({}).optional(), () => ({ token: gw.gatewayToken() })),
    'loopgate.gateway.token.rotate': method(z.strictObject({}).optional(), async () => ({ token: await gw.rotateGatewayToken() })),
    'loopgate.dashboard.link': method(z.strictObject({}).optional(), () => ({ url: gw.dashboardUrl() })),
  };
}
