// Text a client reports about itself (display name, platform, device family) is shown to the user in the
// window, the tray and notifications: strip what could fake other lines or reorder what is shown.

// C0/C1 controls (newlines included) and the bidirectional overrides, isolates and marks.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Control and bidi characters removed, whitespace collapsed, at most `max` characters. */
export function cleanReported(value: string | undefined | null, max = 128): string | undefined {
  if (value === undefined || value === null) return undefined;
  const clean = value.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  if (!clean) return undefined;
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
