// Gateway settings on disk (<home>/config.json): versioned, validated, written atomically; an unreadable
// file is moved aside and the defaults are used, with the problem reported rather than hidden.
import { join } from 'node:path';
import { defaultConfig, GatewayConfigSchema, setConfigPath, type GatewayConfig } from '../../shared/config';
import { invalidRequest } from '../../shared/errors';
import { readJsonDocument, writeJsonDocument } from '../pairing/json-file-store';

export class GatewayConfigStore {
  private constructor(readonly path: string, private value: GatewayConfig, readonly problem?: string) {}

  static async open(home: string): Promise<GatewayConfigStore> {
    const path = join(home, 'config.json');
    const doc = await readJsonDocument(path, GatewayConfigSchema);
    if (doc.ok) return new GatewayConfigStore(path, doc.value ?? defaultConfig());
    // Settings are not approvals: fall back to the defaults, and say so.
    return new GatewayConfigStore(path, defaultConfig(), `${doc.error}; using default settings`);
  }

  get(): GatewayConfig {
    return this.value;
  }

  async set(path: string, value: unknown): Promise<GatewayConfig> {
    const r = setConfigPath(this.value, path, value);
    if (!r.ok) throw invalidRequest(r.error);
    await writeJsonDocument(this.path, r.config);
    this.value = r.config;
    return r.config;
  }
}
