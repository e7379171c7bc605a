// Starts a real gateway on 127.0.0.1 with a fresh data folder for a test, and cleans up after it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../gateway/gateway';
import type { GatewayTiming } from '../gateway/gateway-handle';
import type { Attributor } from '../attribution/attributor';

export interface Harness {
  gw: Gateway;
  home: string;
  url: string;
  token: string;
  stop(): Promise<void>;
}

export async function startHarness(timing: Partial<GatewayTiming> = {}, home?: string, attributor?: Attributor): Promise<Harness> {
  const dir = home ?? (await mkdtemp(join(tmpdir(), 'loopgate-test-')));
  const gw = await startGateway({ home: dir, port: 0, timing, ...(attributor ? { attributor } : {}) });
  return {
    gw, home: dir, url: gw.url, token: gw.gatewayToken(),
    async stop() {
      await gw.close();
      if (!home) await rm(dir, { recursive: true, force: true });
    },
  };
}
