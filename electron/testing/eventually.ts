// Waits for a condition that async work (a gateway event, an approval's durable write) will make true:
// re-checked on every turn of the event loop rather than after fixed sleeps, with a deadline.
import type { ConnectOptions, DeviceIdentity, Frame } from './device-client';
import { connectDevice } from './device-client';

export async function eventually(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** One connect attempt by a device, socket closed afterwards: the connect response. */
export async function attempt(url: string, id: DeviceIdentity, opts: ConnectOptions): Promise<Frame> {
  const r = await connectDevice(url, id, opts);
  r.socket.close();
  return r.res;
}
