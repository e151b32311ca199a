/** The tools an agent may call, as checkboxes grouped by where they come from (built in, each MCP server). */
import type { ShownError } from '../api/api-error';
import type { ToolSummary } from '../api/types';
import { ErrorNotice } from '../ui/error-notice';

/** The entry an agent lists for a tool: its name when built in, `mcp:<server>/<tool>` for an MCP server's. */
export function toolEntry(tool: ToolSummary): string {
  if (tool.source === 'builtin' || tool.name.startsWith('mcp:')) return tool.name;
  return `${tool.source}/${tool.name}`;
}

export function ToolChoices({ tools, error, selected, onChange }: { tools: ToolSummary[] | undefined; error: ShownError | undefined; selected: string[]; onChange(next: string[]): void }) {
  const known = new Set((tools ?? []).map(toolEntry));
  // What the agent lists but this server does not offer (an MCP server that is gone): kept, and shown.
  const unknown = tools ? selected.filter((entry) => !known.has(entry)) : [];
  const groups = new Map<string, ToolSummary[]>();
  for (const tool of tools ?? []) groups.set(tool.source, [...(groups.get(tool.source) ?? []), tool]);
  const toggle = (entry: string, on: boolean) => onChange(on ? [...selected, entry] : selected.filter((value) => value !== entry));

  return (
    <fieldset className="tool-choices" data-testid="agent-tools">
      <legend>Tools it may call</legend>
      {error && <ErrorNotice error={error} title="The tools could not be listed." />}
      {!tools && !error && <p className="muted" role="status">Loading the tools…</p>}
      {tools && tools.length === 0 && <p className="muted">This server offers no tools.</p>}
      {[...groups].map(([source, list]) => (
        <div key={source} className="tool-group">
          <p className="tool-group-name">{source === 'builtin' ? 'Built in' : source}</p>
          {list.map((tool) => {
            const entry = toolEntry(tool);
            const checked = selected.includes(entry);
            return (
              <label key={entry} className="checkbox">
                <input type="checkbox" checked={checked} disabled={!tool.enabled && !checked} onChange={(e) => toggle(entry, e.target.checked)} data-testid={`agent-tool-${entry}`} />
                <span><code>{tool.name}</code>{tool.enabled ? '' : ' (off on this server)'}: {tool.description}</span>
              </label>
            );
          })}
        </div>
      ))}
      {unknown.map((entry) => (
        <label key={entry} className="checkbox">
          <input type="checkbox" checked onChange={() => toggle(entry, false)} data-testid={`agent-tool-${entry}`} />
          <span><code>{entry}</code> (not offered by this server now)</span>
        </label>
      ))}
    </fieldset>
  );
}
