// device.pair.* and device.token.* (and Loopgate's audit and narrowing), all through the pairing service.
import { ParamSchemas } from '../../../shared/methods';
import type { Gateway } from '../gateway';
import { RawJson } from '../raw-json';
import { method, ownerOnly, type MethodDef } from '../router';

export function pairingMethods(gw: Gateway): Record<string, MethodDef> {
  const svc = gw.pairing;
  return {
    'device.pair.list': method(ParamSchemas['device.pair.list'], (_p, { actor }) => new RawJson(`${svc.listJson(actor)},"store":${JSON.stringify(svc.store.health())}}`)),
    'device.pair.approve': ownerOnly(method(ParamSchemas['device.pair.approve'], (p, { actor }) => svc.approve(p.requestId, actor, p.scopes))),
    'device.pair.reject': method(ParamSchemas['device.pair.reject'], (p, { actor }) => svc.reject(p.requestId, actor)),
    'device.pair.rename': method(ParamSchemas['device.pair.rename'], (p, { actor }) => svc.rename(p.deviceId, p.label, actor)),
    'device.pair.remove': method(ParamSchemas['device.pair.remove'], (p, { actor }) => svc.remove(p.deviceId, actor)),
    'device.token.rotate': method(ParamSchemas['device.token.rotate'], (p, { actor }) => svc.rotate(p.deviceId, p.role, p.scopes, actor)),
    'device.token.revoke': method(ParamSchemas['device.token.revoke'], (p, { actor }) => svc.revoke(p.deviceId, p.role, actor)),
    'loopgate.device.narrow': method(ParamSchemas['loopgate.device.narrow'], (p, { actor }) => svc.narrow(p.deviceId, p.scopes, p.roles, actor)),
    'loopgate.audit.list': method(ParamSchemas['loopgate.audit.list'], (p, { actor }) => ({ entries: svc.auditFor(actor, p?.limit ?? 500, p?.before) })),
  };
}
