// Keeps secrets out of the log. Loopgate's secrets (the gateway token, device tokens, dashboard links and owner
// sessions) are all 32 random bytes in base64url, 43 characters; nothing else the log needs looks like that
// (device ids and fingerprints are hex). So the redactor removes: every secret it was told about, the fragment
// of any URL (a dashboard link carries its credential there), `token=`/`credential=`-style values, and any
// 43+ character base64url run that is not plain hex. Messages should not contain secrets in the first place;
// this is the net under that rule.
const REDACTED = '[redacted]';
const URL_FRAGMENT = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s#]*)#[^\s"'<>)]+/gi;
const KEY_VALUE = /\b((?:[a-z_-]*token|credential|secret|password|authorization)["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"',;}]+/gi;
const LONG_BASE64URL = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43,}(?![A-Za-z0-9_-])/g;
const HEX = /^[0-9a-f]+$/i;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** A value that must never be written (the gateway token is added at start). Short values are ignored. */
  addSecret(value: string | undefined | null): void {
    if (value && value.length >= 16) this.secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(REDACTED);
    return out
      .replace(URL_FRAGMENT, `$1#${REDACTED}`)
      .replace(KEY_VALUE, `$1${REDACTED}`)
      .replace(LONG_BASE64URL, (m) => (HEX.test(m) ? m : REDACTED));
  }
}
