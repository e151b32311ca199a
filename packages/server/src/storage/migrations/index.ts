import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.js';
import * as accounts from './002-accounts.js';
import * as agents from './003-agents.js';
import * as knowledge from './004-knowledge.js';

/** Migrations are code, bundled with the build; their names fix their order. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { '001-initial': initial, '002-accounts': accounts, '003-agents': agents, '004-knowledge': knowledge };
  },
};
