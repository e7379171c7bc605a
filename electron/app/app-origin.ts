// The window's origin: one custom scheme serves the bundled renderer, so the origin is ours alone
// (a page on http://localhost or file:// can never claim it). The gateway allows exactly this origin.
export const APP_SCHEME = 'app';
export const APP_HOST = 'loopgate';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * "scheme://host" of a URL, or null. WHATWG URL reports origin "null" for non-special schemes such as
 * app:, so compare scheme and host ourselves.
 */
export function originOf(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}
