// Test support: an update feed on 127.0.0.1 laid out like a GitHub Release as electron-builder publishes it
// (latest-linux.yml beside the installers), with helpers to publish a version, break it, or drop connections.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FeedFile {
  name: string;
  body: Buffer;
}

export interface UpdateFeed {
  url: string;
  /** Every request path served, in order. */
  requests: string[];
  /** Serve `latest-linux.yml` for `version` with one AppImage; `sha512Of` lets a test lie about the checksum. */
  publish(opts: { version: string; file: FeedFile; sha512Of?: Buffer; releaseDate?: string }): void;
  /** Serve this exact text as the feed (corrupt feeds). */
  setFeedText(text: string): void;
  /** Drop every connection without answering (a network that fails mid-way). */
  hangUp(on: boolean): void;
  close(): Promise<void>;
}

export const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('base64');

export function feedYaml(version: string, file: FeedFile, checksum = sha512(file.body), releaseDate = '2026-12-01T00:00:00.000Z'): string {
  // The format electron-builder writes (files list plus the legacy path/sha512 keys).
  return [
    `version: ${version}`,
    'files:',
    `  - url: ${file.name}`,
    `    sha512: ${checksum}`,
    `    size: ${file.body.length}`,
    `path: ${file.name}`,
    `sha512: ${checksum}`,
    `releaseDate: '${releaseDate}'`,
    '',
  ].join('\n');
}

export async function startUpdateFeed(): Promise<UpdateFeed> {
  let feed: string | null = null;
  const files = new Map<string, Buffer>();
  let hangUp = false;
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    requests.push(path);
    if (hangUp) return void req.socket.destroy();
    if (path === '/latest-linux.yml' && feed !== null) {
      res.writeHead(200, { 'content-type': 'text/yaml' });
      return void res.end(feed);
    }
    const body = files.get(path.slice(1));
    if (body) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      return void res.end(body);
    }
    res.writeHead(404);
    res.end('not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    publish({ version, file, sha512Of, releaseDate }) {
      files.set(file.name, file.body);
      feed = feedYaml(version, file, sha512(sha512Of ?? file.body), releaseDate);
    },
    setFeedText(text) {
      feed = text;
    },
    hangUp(on) {
      hangUp = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
