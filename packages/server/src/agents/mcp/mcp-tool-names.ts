/**
 * The names models see for MCP tools: `<server>__<tool>`, within `^[a-zA-Z0-9_-]{1,64}$`.
 *
 * Server names never contain `__` and never end with `_` (see `McpServerName`), so the first
 * `__` of an exposed name ends the server part: two servers can never produce the same name,
 * and built-in names (which have no `__`) never clash with them. Within one server, tool
 * names that sanitise or truncate to the same text get `_2`, `_3`, ... in listing order.
 */

export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME = 64;

/** Exposed names for one server's tools, in the same order. */
export function exposedToolNames(server: string, toolNames: readonly string[]): string[] {
  const prefix = `${server}__`;
  const room = MAX_NAME - prefix.length;
  const taken = new Set<string>();
  return toolNames.map((original) => {
    const base = sanitise(original).slice(0, room) || 'tool';
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) {
      const suffix = `_${n}`;
      candidate = `${base.slice(0, room - suffix.length)}${suffix}`;
    }
    taken.add(candidate);
    return `${prefix}${candidate}`;
  });
}

function sanitise(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_');
}
