// Who is asking, timed: a new pending request from a fresh process shows its program (PID, executable)
// within 100 ms, with 500 other processes running (each connect scans /proc for the socket's holder).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connectDevice, createIdentity } from '../electron/testing/device-client';
import { runPeer } from '../electron/testing/peer-process';
import { summarize } from './stats';

export interface ProgramShownFigures {
  processes: number;
  medianMs: number;
  maxMs: number;
  /** Requests whose event carried the right PID. */
  named: number;
  samples: number;
}

function processCount(): number {
  try {
    return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
  } catch {
    return 0;
  }
}

/** Time from a child's connect frame to the window's `device.pair.requested` event naming that child. */
export async function pendingProgramMs(url: string, token: string, opts = { processes: 500, samples: 10 }): Promise<ProgramShownFigures> {
  const sleepers: ChildProcess[] = [];
  while (processCount() < opts.processes) sleepers.push(spawn('sleep', ['300'], { stdio: 'ignore' }));
  const watcher = (await connectDevice(url, null, { token, scopes: ['operator.admin'] })).socket;
  const times: number[] = [];
  const running = processCount();
  let named = 0;
  try {
    for (let i = 0; i < opts.samples; i++) {
      const id = createIdentity();
      const seen = watcher.next((f) => f.type === 'event' && f.event === 'device.pair.requested' && f.payload?.deviceId === id.deviceId, 10_000)
        .then((f) => ({ at: performance.timeOrigin + performance.now(), payload: f.payload }));
      // No credential: the request waits for the user, and the gateway traces its program first.
      const peer = await runPeer(url, id, { scopes: ['operator.read'] });
      const { at, payload } = await seen;
      times.push(at - peer.result.sentAt);
      if (payload?.attribution?.process?.pid === peer.child.pid) named++;
      await peer.stop();
      await watcher.call('device.pair.reject', { requestId: payload.requestId });
    }
  } finally {
    watcher.close();
    for (const s of sleepers) s.kill();
  }
  const s = summarize(times);
  return { processes: running, medianMs: s.median, maxMs: Math.max(...times), named, samples: opts.samples };
}
