// The silent pairing decision including its durable write, and device.pair.list over 10,000 devices.
import { randomBytes, createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../electron/pairing/audit-log';
import { PairingService } from '../electron/pairing/pairing-service';
import { PairingStore } from '../electron/pairing/pairing-store';
import { connectDevice } from '../electron/testing/device-client';
import { summarize } from './stats';

/** A v2 store file with `count` paired devices, as the gateway writes it (tokens as hashes). */
export async function seedStore(home: string, count: number): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const now = Date.now();
  const devices: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const raw = randomBytes(32);
    const deviceId = createHash('sha256').update(raw).digest('hex');
    const scopes = i % 3 === 0 ? ['operator.admin'] : ['operator.read'];
    devices[deviceId] = {
      deviceId, publicKey: raw.toString('base64url'), displayName: `agent-${i}`, platform: 'linux', clientId: 'cli', clientMode: 'cli',
      role: 'operator', roles: ['operator'], scopes, approvedScopes: scopes, createdAtMs: now - i * 1000, approvedAtMs: now - i * 1000,
      approvedVia: i % 2 ? 'silent' : 'owner', lastSeenAtMs: now - i * 500,
      ...(i % 5 === 0 ? { remoteIp: `10.0.${(i >> 8) & 255}.${i & 255}` } : {}),
      tokens: { operator: { hash: createHash('sha256').update(String(i)).digest('hex'), role: 'operator', scopes, createdAtMs: now - i * 1000 } },
    };
  }
  await writeFile(join(home, 'pairing.json'), JSON.stringify({ version: 2, generation: 1, updatedAtMs: now, devices }), { mode: 0o600 });
}

/** Median time of PairingService.admit for new local devices: decision + atomic write + fsync. */
export async function silentPairingMs(existing = 50, samples = 200): Promise<{ median: number; p99: number }> {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-bench-'));
  await seedStore(home, existing);
  const store = await PairingStore.open(home);
  const audit = await AuditLog.open(home);
  const svc = new PairingService(store, audit, { ttlMs: 60_000, cooldownMs: 0, maxTotal: 32, maxPerAddress: 8 }, () => ({ enabled: true, ceiling: null }));
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const raw = randomBytes(32);
    const ask = { deviceId: createHash('sha256').update(raw).digest('hex'), publicKey: raw.toString('base64url'), role: 'operator', scopes: ['operator.read'], platform: 'linux', clientId: 'cli', clientMode: 'cli' };
    const t = performance.now();
    await svc.admit(ask, { locality: 'local', address: '127.0.0.1' });
    times.push(performance.now() - t);
  }
  svc.close();
  await store.close();
  await audit.close();
  await rm(home, { recursive: true, force: true });
  const s = summarize(times);
  return { median: s.median, p99: s.p99 };
}

/**
 * device.pair.list against a running gateway holding `count` devices: time until the whole response has
 * arrived (what the gateway controls), and the client's own JSON.parse of it, reported apart.
 */
export async function listRoundTripMs(url: string, token: string, samples = 15): Promise<{ median: number; parseMedian: number; bytes: number }> {
  const { socket, res } = await connectDevice(url, null, { token, scopes: ['operator.pairing'] });
  if (!res.ok) throw new Error(JSON.stringify(res.error));
  const ws = socket.ws;
  const answered: number[] = [];
  const parsed: number[] = [];
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const id = `list-${i}`;
    const t = performance.now();
    const raw = await new Promise<string>((resolve) => {
      const onMessage = (data: Buffer) => {
        const text = data.toString('utf8');
        if (!text.startsWith(`{"type":"res","id":"${id}"`)) return;
        ws.off('message', onMessage);
        resolve(text);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ type: 'req', id, method: 'device.pair.list', params: {} }));
    });
    answered.push(performance.now() - t);
    const p0 = performance.now();
    const frame = JSON.parse(raw) as { ok: boolean; payload: { paired: unknown[] } };
    parsed.push(performance.now() - p0);
    if (!frame.ok) throw new Error(raw.slice(0, 200));
    bytes = raw.length;
  }
  socket.close();
  return { median: summarize(answered.slice(2)).median, parseMedian: summarize(parsed.slice(2)).median, bytes };
}
