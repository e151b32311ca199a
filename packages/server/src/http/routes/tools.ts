import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse, ToolSummary } from '@sutazai/contracts';
import type { ToolRegistry } from '../../agents/tools/tool.js';

export function toolRoutes(tools: ToolRegistry) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/api/v1/tools', {
      schema: {
        tags: ['tools'],
        summary: 'The tools agents can use on this server: built-in ones and those of reachable MCP servers, each with whether it is enabled',
        description: 'Put a name in an agent\'s tools (`calculator`), or `mcp:<server>` for all tools of an MCP server, or `mcp:<server>/<tool>` for one.',
        response: { 200: Type.Array(ToolSummary), 401: ErrorResponse },
      },
    }, async () => tools.list());
  };
}
