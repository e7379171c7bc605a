// sessions.list / sessions.patch / sessions.delete over the durable registry.
import { ParamSchemas } from '../../../shared/methods';
import type { Gateway } from '../gateway';
import { method, type MethodDef } from '../router';

export function sessionMethods(gw: Gateway): Record<string, MethodDef> {
  return {
    'sessions.list': method(ParamSchemas['sessions.list'], (p) => {
      const sessions = gw.sessions.list(p?.limit);
      return { ts: Date.now(), count: sessions.length, sessions };
    }),
    'sessions.patch': method(ParamSchemas['sessions.patch'], async (p) => {
      const { key, ...patch } = p;
      return { ok: true, key, entry: await gw.sessions.patch(key, patch) };
    }),
    'sessions.delete': method(ParamSchemas['sessions.delete'], async (p) => ({ ok: true, ...(await gw.sessions.delete(p.key)) })),
  };
}
