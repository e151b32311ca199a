import type { Catalog } from './use-catalog';

export function ModelPicker({ catalog, disabled }: { catalog: Catalog; disabled?: boolean }) {
  const { models, modelsError } = catalog;
  const byProvider = new Map<string, string[]>();
  for (const detail of models?.detailed ?? []) {
    if (!detail.capabilities.chat) continue;
    const list = byProvider.get(detail.provider) ?? [];
    list.push(detail.name);
    byProvider.set(detail.provider, list);
  }
  const title = modelsError ? `Models could not be listed: ${modelsError.message}` : undefined;
  return (
    <label className="picker">
      <span className="picker-label">Model</span>
      <select
        aria-label="Model"
        data-testid="model-picker"
        value={catalog.model}
        onChange={(e) => catalog.setModel(e.target.value)}
        disabled={disabled || !models || models.count === 0}
        title={title}
        aria-invalid={modelsError ? true : undefined}
      >
        <option value="">{models?.default_model ? `Default (${models.default_model})` : models?.count === 0 ? 'No model available' : modelsError ? 'Models unavailable' : 'Default'}</option>
        {[...byProvider].map(([provider, names]) => (
          <optgroup key={provider} label={provider}>
            {names.map((name) => <option key={name} value={name}>{name}</option>)}
          </optgroup>
        ))}
      </select>
    </label>
  );
}

export function AgentPicker({ catalog, disabled }: { catalog: Catalog; disabled?: boolean }) {
  const { agents, agentsError } = catalog;
  // No pick means the server's default agent (JARVIS); the list shows which one that is.
  const value = catalog.agent || (agents?.find((a) => a.id === 'default')?.id ?? '');
  return (
    <label className="picker">
      <span className="picker-label">Agent</span>
      <select
        aria-label="Agent"
        data-testid="agent-picker"
        value={value}
        onChange={(e) => catalog.setAgent(e.target.value)}
        disabled={disabled || !agents || agents.length === 0}
        title={agentsError ? `Agents could not be listed: ${agentsError.message}` : undefined}
        aria-invalid={agentsError ? true : undefined}
      >
        {agents && agents.length > 0
          ? agents.map((agent) => <option key={agent.id} value={agent.id} title={agent.description}>{agent.name}</option>)
          : <option value="">{agentsError ? 'Agents unavailable' : agents ? 'No agent' : 'Loading…'}</option>}
      </select>
    </label>
  );
}
