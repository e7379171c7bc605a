// Handshakes per second and their latency: a paired device reconnecting with its device token, against the
// floor of a plain ws echo server doing open + one round trip + close.
import WebSocket from 'ws';
import { connectDevice, createIdentity, type DeviceIdentity } from '../electron/testing/device-client';
import { summarize } from './stats';

export interface HandshakeFigures {
  serialMedianMs: number;
  serialP99Ms: number;
  serialPerSec: number;
  inFlight: number;
  parallelMedianMs: number;
  parallelPerSec: number;
}

async function measure(one: () => Promise<void>, count: number, inFlight: number): Promise<{ samples: number[]; perSec: number }> {
  const samples: number[] = [];
  let started = 0;
  const t0 = performance.now();
  async function lane(): Promise<void> {
    while (started < count) {
      started++;
      const t = performance.now();
      await one();
      samples.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { samples, perSec: (count / (performance.now() - t0)) * 1000 };
}

async function figures(one: () => Promise<void>, serialCount: number, parallelCount: number, inFlight: number): Promise<HandshakeFigures> {
  await measure(one, Math.min(50, serialCount), 4); // warm up both sides
  const serial = await measure(one, serialCount, 1);
  const parallel = await measure(one, parallelCount, inFlight);
  const s = summarize(serial.samples);
  return {
    serialMedianMs: s.median, serialP99Ms: s.p99, serialPerSec: serial.perSec,
    inFlight, parallelMedianMs: summarize(parallel.samples).median, parallelPerSec: parallel.perSec,
  };
}

export function echoHandshake(url: string): () => Promise<void> {
  return () => new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => ws.send('{"type":"req","id":"1","method":"ping"}'));
    ws.on('message', () => ws.close());
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
}

/** Pairs one device (silently, as a local client) and returns a handshake that reconnects it by device token. */
export async function pairedHandshake(url: string, gatewayToken: string): Promise<() => Promise<void>> {
  const id: DeviceIdentity = createIdentity();
  const first = await connectDevice(url, id, { token: gatewayToken, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
  if (!first.res.ok) throw new Error(`pairing failed: ${JSON.stringify(first.res.error)}`);
  const deviceToken = first.res.payload.auth.deviceToken as string;
  first.socket.close();
  await first.socket.closed;
  return async () => {
    const { socket, res } = await connectDevice(url, id, { deviceToken, scopes: ['operator.read'], clientId: 'cli', clientMode: 'cli' });
    if (!res.ok) throw new Error(`handshake failed: ${JSON.stringify(res.error)}`);
    socket.close();
    await socket.closed;
  };
}

export async function handshakeFigures(one: () => Promise<void>, opts = { serial: 400, parallel: 3000, inFlight: 32 }): Promise<HandshakeFigures> {
  return figures(one, opts.serial, opts.parallel, opts.inFlight);
}
