// A device client in a process of its own, for attribution tests: the gateway must find *this* process.
// argv[2]: JSON { url, identity: { deviceId, publicKey, privateKeyPem }, options }. Prints the connect
// response as one JSON line, keeps the socket open until stdin ends (or "close" arrives), then exits.
import { createPrivateKey } from 'node:crypto';
import { connectDevice, type ConnectOptions } from './device-client';

interface ChildSpec {
  url: string;
  identity: { deviceId: string; publicKey: string; privateKeyPem: string };
  options: ConnectOptions;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
const identity = { deviceId: spec.identity.deviceId, publicKey: spec.identity.publicKey, privateKey: createPrivateKey(spec.identity.privateKeyPem) };
// When the connect left (for the bench: request created → program shown, measured across processes).
let sentAt = 0;
const { socket, res } = await connectDevice(spec.url, identity, { ...spec.options, tamper: () => { sentAt = performance.timeOrigin + performance.now(); } });
process.stdout.write(`${JSON.stringify({ ok: res.ok, error: res.error, auth: res.payload?.auth, pid: process.pid, sentAt })}\n`);
const done = (): void => {
  socket.close();
  void socket.closed.then(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.stdin.on('data', (d) => { if (String(d).includes('close')) done(); });
process.stdin.on('end', done);
