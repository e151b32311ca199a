// The test MCP server over stdio: `node stdio-test-server.mjs [--fail-start]`.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createTestMcpServer } from './test-mcp-server.mjs';

if (process.argv.includes('--fail-start')) {
  process.stderr.write('cannot start: the test asked me to fail\n');
  process.exit(3);
}
const { server } = createTestMcpServer();
await server.connect(new StdioServerTransport());
