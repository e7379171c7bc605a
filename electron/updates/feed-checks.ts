// What the update feed may offer, and what a failure means, in words for Settings and the log.
// electron-updater already refuses a file whose sha512 differs from the feed and never offers an older
// version (downgrades are off); these checks add what it does not know: that the files are Loopgate's, and
// why a check failed, so the user reads "no network" rather than a stack trace.
import type { UpdateProblem } from '../../shared/ipc-contract';

export interface OfferedFile {
  url: string;
}

export interface OfferedUpdate {
  version: string;
  files?: OfferedFile[];
}

export interface Refusal {
  problem: UpdateProblem;
  message: string;
}

interface Parsed {
  core: [number, number, number];
  pre: string[];
}

function parseVersion(v: string): Parsed | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v.trim());
  if (!m) return null;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
}

/** Semantic-version order: -1, 0, 1; null when either is not a version. */
export function compareVersions(a: string, b: string): number | null {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return null;
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i]! < y.core[i]! ? -1 : 1;
  if (!x.pre.length || !y.pre.length) return x.pre.length === y.pre.length ? 0 : x.pre.length ? -1 : 1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

const INSTALLER = /\.(AppImage|deb|rpm|exe|zip|dmg|pkg|tar\.gz)$/;

const baseName = (url: string): string => {
  const path = url.split(/[?#]/)[0] ?? '';
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    return path.slice(path.lastIndexOf('/') + 1);
  }
};

/**
 * An offer is ours only when every file is named like our installers: `<productName>-<version>…`
 * (build/electron-builder.config.cjs artifactName). A feed for another app, or one whose files do not match the
 * version it announces, is refused before anything is downloaded.
 */
export function refuseOffer(offer: OfferedUpdate, productName: string): Refusal | null {
  const files = offer.files ?? [];
  if (!files.length) return { problem: 'corrupt-feed', message: `The update feed offers ${offer.version} without any file.` };
  const prefix = `${productName}-${offer.version}`;
  // A bare file name beside the feed (as electron-builder publishes), ours by name, an installer by extension.
  const ours = (url: string): boolean => {
    if (/[\\/]|^\.|%2f|%5c/i.test(url)) return false;
    const name = baseName(url);
    return name.startsWith(prefix) && INSTALLER.test(name);
  };
  const foreign = files.find((f) => !ours(f.url));
  if (foreign !== undefined) {
    return { problem: 'different-app', message: `The update feed offers "${foreign.url.slice(0, 80)}", which is not a ${productName} ${offer.version} installer; ignored.` };
  }
  return null;
}

/** The feed's newest version is older than the running one: a rolled-back or wrong feed, never installed. */
export function olderOffer(offered: string, current: string, productName: string): Refusal | null {
  const order = compareVersions(offered, current);
  if (order === null || order >= 0) return null;
  return { problem: 'older-version', message: `The update feed offers ${productName} ${offered}, older than this ${current}; nothing to install.` };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'ENETUNREACH', 'EHOSTUNREACH', 'EPIPE', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);
const FEED_CODES = new Set(['ERR_UPDATER_INVALID_UPDATE_INFO', 'ERR_UPDATER_INVALID_VERSION', 'ERR_UPDATER_NO_FILES_PROVIDED', 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND', 'ERR_UPDATER_LATEST_VERSION_NOT_FOUND', 'ERR_UPDATER_INVALID_RELEASE_FEED', 'ERR_UPDATER_NO_PUBLISHED_VERSIONS', 'ERR_UPDATER_ASSET_NOT_FOUND']);

const firstLine = (s: string): string => (s.split('\n').find((l) => l.trim()) ?? s).trim().slice(0, 200);

/** Any error from a check or a download → a problem kind and one sentence. */
export function describeUpdateError(err: unknown, stage: 'check' | 'download'): Refusal {
  const e = (err ?? {}) as { code?: string; message?: string; statusCode?: number; name?: string };
  const text = e.message ?? String(err);
  const code = e.code ?? /\b(E[A-Z]{3,}|net::ERR_[A-Z_]+)\b/.exec(text)?.[1];
  if (code === 'ERR_CHECKSUM_MISMATCH' || /sha512 checksum mismatch/i.test(text)) {
    return { problem: 'bad-checksum', message: 'The downloaded update failed its checksum (sha512 mismatch) and was deleted; nothing was installed.' };
  }
  if ((code && (NETWORK_CODES.has(code) || code.startsWith('net::ERR_'))) || /socket hang up|network/i.test(text)) {
    return { problem: 'offline', message: `Could not reach the update server (${code ?? 'network error'}).` };
  }
  if ((code && FEED_CODES.has(code)) || e.name === 'YAMLException' || /Cannot parse update info/i.test(text)) {
    return { problem: 'corrupt-feed', message: `The update feed is not valid: ${firstLine(text)}` };
  }
  if (typeof e.statusCode === 'number') {
    return { problem: 'failed', message: `The update server answered HTTP ${e.statusCode} during the ${stage}.` };
  }
  return { problem: 'failed', message: `The update ${stage} failed: ${firstLine(text)}` };
}
