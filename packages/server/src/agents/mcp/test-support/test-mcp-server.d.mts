import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

export function createTestMcpServer(): { server: McpServer; state: { cancelled: number } };
