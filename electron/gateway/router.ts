// Post-handshake requests: role and scope checks (unclassified methods need operator.admin), then dispatch.
import type { z } from 'zod';
import { CloseCode, GatewayError, invalidRequest } from '../../shared/errors';
import { formatIssues } from '../../shared/frames';
import { NODE_METHODS, requiredScope } from '../../shared/methods';
import { roleScopesAllow } from '../../shared/scopes';
import type { Actor } from '../pairing/pairing-service';
import type { Connection } from './connection';
import { RawJson } from './raw-json';

export interface MethodContext {
  conn: Connection;
  actor: Actor;
  requestId: string;
  /** Run once the response has been written (e.g. close the caller's own socket after telling it why). */
  afterReply(fn: () => void): void;
}

export interface MethodDef<S extends z.ZodType = z.ZodType> {
  schema?: S;
  handler: (params: z.infer<S>, ctx: MethodContext) => unknown;
  /** Decisions reserved for the user: the window, the tray, a gateway-token client; never a paired device. */
  ownerOnly?: boolean;
}

/** Helper that keeps a method's params typed by its schema. */
export function method<S extends z.ZodType>(schema: S, handler: (params: z.infer<S>, ctx: MethodContext) => unknown): MethodDef {
  return { schema, handler: handler as MethodDef['handler'] };
}

export function ownerOnly(def: MethodDef): MethodDef {
  return { ...def, ownerOnly: true };
}

export function plain(handler: (params: unknown, ctx: MethodContext) => unknown): MethodDef {
  return { handler };
}

const FLOOD_LIMIT = 10;

export class Router {
  private methods = new Map<string, MethodDef>();

  register(defs: Record<string, MethodDef>): void {
    for (const [name, def] of Object.entries(defs)) this.methods.set(name, def);
  }

  names(): string[] {
    return [...this.methods.keys()].sort();
  }

  /** Why this connection may not call the method, or null when it may. */
  static deny(conn: Connection, name: string): GatewayError | null {
    const id = conn.identity!;
    if (name === 'health') return null;
    if (NODE_METHODS.has(name)) return id.role === 'node' ? null : invalidRequest(`unauthorized role: ${id.role}`);
    if (id.role !== 'operator') return invalidRequest(`unauthorized role: ${id.role}`);
    const needed = requiredScope(name);
    return roleScopesAllow('operator', [needed], id.scopes) ? null : invalidRequest(`missing scope: ${needed}`);
  }

  async dispatch(conn: Connection, actor: Actor, requestId: string, name: string, params: unknown): Promise<void> {
    if (name === 'connect') {
      conn.fail(requestId, invalidRequest('connect is only valid as the first request').shape);
      return;
    }
    const def = this.methods.get(name);
    if (!def) {
      conn.fail(requestId, invalidRequest(`unknown method: ${name}`).shape);
      return;
    }
    const denied = Router.deny(conn, name) ?? (def.ownerOnly && actor.kind === 'device'
      ? invalidRequest(`${name} is reserved for the user (the Loopgate window, tray or a gateway-token client), not a paired device`)
      : null);
    if (denied) {
      conn.fail(requestId, denied.shape);
      if (denied.shape.message.startsWith('unauthorized role') && ++conn.unauthorizedStreak > FLOOD_LIMIT) {
        conn.close(CloseCode.POLICY, 'repeated unauthorized calls');
      }
      return;
    }
    conn.unauthorizedStreak = 0;
    let input = params;
    if (def.schema) {
      const r = def.schema.safeParse(params);
      if (!r.success) {
        conn.fail(requestId, invalidRequest(`invalid ${name} params: ${formatIssues(r.error.issues)}`).shape);
        return;
      }
      input = r.data;
    }
    const after: Array<() => void> = [];
    try {
      const result = await def.handler(input, { conn, actor, requestId, afterReply: (fn) => void after.push(fn) });
      if (result instanceof RawJson) conn.respondJson(requestId, result.json);
      else conn.respond(requestId, result ?? {});
      for (const fn of after) fn();
    } catch (e) {
      if (e instanceof GatewayError) conn.fail(requestId, e.shape);
      else if ((e as { code?: string }).code === 'STORE_UNAVAILABLE') conn.fail(requestId, new GatewayError('UNAVAILABLE', `pairing store unavailable: ${(e as Error).message}`, { code: 'STORE_UNAVAILABLE' }).shape);
      else conn.fail(requestId, { code: 'UNAVAILABLE', message: `${name} failed: ${(e as Error).message}` });
    }
  }
}
