/**
 * What an administrator configures for one MCP server: a command run over stdio, or a
 * Streamable HTTP URL. The same schemas check the admin API's bodies and what is read back
 * from storage.
 */
import { Type, type Static } from '@sinclair/typebox';

export const McpServerName = Type.String({
  minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9]+([_-][A-Za-z0-9]+)*$',
  description: 'Letters and digits, single - or _ between them (no "__", no trailing _): tools are shown to models as <name>__<tool>.',
});

const EnvironmentName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' });
const HeaderName = Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,128}$' });

export const McpStdioServerConfig = Type.Object({
  name: McpServerName,
  transport: Type.Literal('stdio'),
  command: Type.String({ minLength: 1, maxLength: 1024, description: 'The executable, e.g. npx or /usr/local/bin/mcp-server-git. Needs MCP_STDIO_ENABLED=true.' }),
  args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 })),
  env: Type.Optional(Type.Record(EnvironmentName, Type.String({ maxLength: 8192 }), {
    additionalProperties: false, maxProperties: 64,
    description: 'Added to a minimal environment (PATH, HOME, ...); the server\'s own secrets are not passed on.',
  })),
  cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
}, { additionalProperties: false });

export const McpHttpServerConfig = Type.Object({
  name: McpServerName,
  transport: Type.Literal('streamable-http'),
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'The MCP endpoint, e.g. https://mcp.example.com/mcp. Reached through the outbound guard.' }),
  headers: Type.Optional(Type.Record(HeaderName, Type.String({ maxLength: 8192 }), {
    additionalProperties: false, maxProperties: 32, description: 'Sent with every request, e.g. {"Authorization": "Bearer ..."}.',
  })),
}, { additionalProperties: false });

export const McpServerConfig = Type.Union([McpStdioServerConfig, McpHttpServerConfig]);
export type McpServerConfig = Static<typeof McpServerConfig>;
export type McpStdioServerConfig = Static<typeof McpStdioServerConfig>;
export type McpHttpServerConfig = Static<typeof McpHttpServerConfig>;

/** A configured server as the admin API shows it: secrets masked, and whether it may run. */
export const McpServerView = Type.Object({
  name: Type.String(),
  transport: Type.Union([Type.Literal('stdio'), Type.Literal('streamable-http')]),
  command: Type.Optional(Type.String()),
  args: Type.Optional(Type.Array(Type.String())),
  env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Values are masked.' })),
  cwd: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Values are masked.' })),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
});
export type McpServerView = Static<typeof McpServerView>;

export const McpServerList = Type.Object({ items: Type.Array(McpServerView) });

export const McpServerTool = Type.Object({
  name: Type.String({ description: 'The name models see: <server>__<tool>.' }),
  mcp_name: Type.String({ description: 'The name on the MCP server; use it in agent tool lists as mcp:<server>/<mcp_name>.' }),
  description: Type.String(),
  parameters: Type.Record(Type.String(), Type.Unknown()),
});
export const McpServerToolList = Type.Object({ items: Type.Array(McpServerTool) });

const MASK = '********';

export function viewOf(config: McpServerConfig, disabledReason: string | undefined): McpServerView {
  const mask = (values: Record<string, string> | undefined) => (values ? Object.fromEntries(Object.keys(values).map((key) => [key, MASK])) : undefined);
  const common = { enabled: disabledReason === undefined, disabled_reason: disabledReason ?? null };
  if (config.transport === 'stdio') {
    return { name: config.name, transport: 'stdio', command: config.command, args: config.args ?? [], ...(config.env ? { env: mask(config.env)! } : {}), ...(config.cwd ? { cwd: config.cwd } : {}), ...common };
  }
  return { name: config.name, transport: 'streamable-http', url: config.url, ...(config.headers ? { headers: mask(config.headers)! } : {}), ...common };
}
