// Gateway settings on disk (<home>/config.json): versioned, validated, written atomically. A file that cannot be
// used never loosens the policy: it is moved aside like the pairing store, and the gateway runs on the strictest
// settings (silent approval off, pairing paused) and says so, until the user saves a setting, which writes a
// fresh file. A quarantined copy left from an earlier start keeps it that way across restarts.
import { join } from 'node:path';
import { DEFAULT_MAX_PAYLOAD, GatewayConfigSchema, defaultConfig, setConfigPath, strictConfig, type ConfigHealth, type GatewayConfig } from '../../shared/config';
import { invalidRequest } from '../../shared/errors';
import { readJsonDocument, writeJsonDocument } from '../pairing/json-file-store';

/** 1 MiB was the frame limit's default before node results had to fit; nothing let a user choose it. */
const OLD_DEFAULT_MAX_PAYLOAD = 1_048_576;

function upgradeDefaults(cfg: GatewayConfig): GatewayConfig {
  if (cfg.limits.maxPayloadBytes !== OLD_DEFAULT_MAX_PAYLOAD) return cfg;
  return { ...cfg, limits: { ...cfg.limits, maxPayloadBytes: DEFAULT_MAX_PAYLOAD } };
}

export class GatewayConfigStore {
  private constructor(readonly path: string, private value: GatewayConfig, private state: ConfigHealth) {}

  static async open(home: string): Promise<GatewayConfigStore> {
    const path = join(home, 'config.json');
    const doc = await readJsonDocument(path, GatewayConfigSchema);
    if (doc.ok) return new GatewayConfigStore(path, doc.value ? upgradeDefaults(doc.value) : defaultConfig(), { ok: true });
    const error = `${doc.error}; until you save a setting, silent approval is off and pairing is paused`;
    return new GatewayConfigStore(path, strictConfig(), { ok: false, error, ...(doc.quarantinedTo ? { quarantinedTo: doc.quarantinedTo } : {}) });
  }

  get(): GatewayConfig {
    return this.value;
  }

  health(): ConfigHealth {
    return this.state;
  }

  /** The user acting: the whole document (the strict state plus this change, if it was unusable) is written afresh. */
  async set(path: string, value: unknown): Promise<GatewayConfig> {
    const r = setConfigPath(this.value, path, value);
    if (!r.ok) throw invalidRequest(r.error);
    await writeJsonDocument(this.path, r.config);
    this.value = r.config;
    this.state = { ok: true };
    return r.config;
  }
}
