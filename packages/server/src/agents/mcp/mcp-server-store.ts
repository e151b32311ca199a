/**
 * Where the configured MCP servers live: one JSON value in the settings table (no migration),
 * shared by every replica on the same database. Entries that no longer pass the schema are
 * skipped, not fatal.
 */
import type { Kysely } from 'kysely';
import { Value } from '@sinclair/typebox/value';
import type { Database } from '../../storage/schema.js';
import { getSetting, putSetting } from '../../storage/settings-repository.js';
import { McpServerConfig } from './mcp-server-config.js';

export interface McpServerStore {
  load(): Promise<McpServerConfig[]>;
  save(servers: McpServerConfig[]): Promise<void>;
}

export const MCP_SERVERS_SETTING = 'mcp_servers';

export function createSettingsMcpServerStore(db: Kysely<Database>): McpServerStore {
  return {
    async load() {
      const stored = await getSetting(db, MCP_SERVERS_SETTING);
      if (!stored) return [];
      let parsed: unknown;
      try {
        parsed = JSON.parse(stored);
      } catch {
        return [];
      }
      return Array.isArray(parsed) ? parsed.filter((entry): entry is McpServerConfig => Value.Check(McpServerConfig, entry)) : [];
    },
    async save(servers) {
      await putSetting(db, MCP_SERVERS_SETTING, JSON.stringify(servers));
    },
  };
}

/** For tests and for a platform without storage. */
export function createMemoryMcpServerStore(initial: McpServerConfig[] = []): McpServerStore {
  let servers = structuredClone(initial);
  return {
    async load() {
      return structuredClone(servers);
    },
    async save(next) {
      servers = structuredClone(next);
    },
  };
}
