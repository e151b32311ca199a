import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse } from '@sutazai/contracts';
import type { McpManager } from '../../agents/mcp/mcp-manager.js';
import { McpServerConfig, McpServerList, McpServerName, McpServerToolList, McpServerView } from '../../agents/mcp/mcp-server-config.js';
import { AppError } from '../../errors/catalogue.js';
import { principal } from './auth.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const Params = Type.Object({ name: Type.String({ maxLength: 64 }) });

/** Administrators configure MCP servers; every agent may then use their tools. */
export function mcpServerRoutes(mcp: McpManager) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('preHandler', async (request: FastifyRequest) => {
      if (principal(request).role !== 'admin') throw new AppError('FORBIDDEN');
    });

    api.get('/api/v1/admin/mcp-servers', {
      schema: { tags: ['admin'], summary: 'The configured MCP servers (environment and header values masked)', response: { 200: McpServerList, ...errors } },
    }, async () => ({ items: await mcp.list() }));

    api.post('/api/v1/admin/mcp-servers', {
      bodyLimit: 64 * 1024,
      schema: {
        tags: ['admin'],
        summary: 'Add an MCP server, or replace the one with the same name',
        description: `Streamable HTTP: {"name", "transport": "streamable-http", "url", "headers"?}; the URL must pass the outbound policy. stdio: {"name", "transport": "stdio", "command", "args"?, "env"?, "cwd"?}; only when MCP_STDIO_ENABLED=true. ${McpServerName.description}`,
        body: McpServerConfig,
        response: { 200: McpServerView, 201: McpServerView, ...errors },
      },
    }, async (request, reply) => {
      const { created, server } = await mcp.put(request.body);
      return reply.code(created ? 201 : 200).send(server);
    });

    api.delete('/api/v1/admin/mcp-servers/:name', {
      schema: { tags: ['admin'], summary: 'Remove an MCP server; its session is closed and a stdio server stopped', params: Params, response: { 204: Type.Null({ description: 'Removed.' }), ...errors } },
    }, async (request, reply) => {
      await mcp.remove(request.params.name);
      return reply.code(204).send(null);
    });

    api.get('/api/v1/admin/mcp-servers/:name/tools', {
      schema: {
        tags: ['admin'], summary: 'The tools an MCP server offers, listed live (connects to it if needed)', params: Params,
        response: { 200: McpServerToolList, 502: ErrorResponse, ...errors },
      },
    }, async (request) => ({
      items: (await mcp.tools(request.params.name)).map(({ mcpName, tool }) => ({ name: tool.name, mcp_name: mcpName, description: tool.description, parameters: tool.parameters })),
    }));
  };
}
