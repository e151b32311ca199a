import type { HealthProbe } from '../../health/health-checks.js';
import type { McpManager } from './mcp-manager.js';

/**
 * Keeps one probe per configured MCP server in `probes` (the list `/health/detailed` runs),
 * in step with the configuration as the manager sees it.
 */
export function keepMcpProbes(probes: HealthProbe[], mcp: McpManager): void {
  const own = new WeakSet<HealthProbe>();
  const sync = () => {
    for (let index = probes.length - 1; index >= 0; index--) if (own.has(probes[index]!)) probes.splice(index, 1);
    for (const config of mcp.configured()) {
      const probe: HealthProbe = {
        name: `mcp:${config.name}`,
        kind: config.transport === 'stdio' ? 'mcp-stdio' : 'mcp-http',
        required: false,
        modelProvider: false,
        run: () => mcp.probe(config.name),
      };
      own.add(probe);
      probes.push(probe);
    }
  };
  mcp.onChange(sync);
  sync();
}
