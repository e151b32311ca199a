/**
 * One agent: a form to create one or change one of yours, and a read-only view of a built-in
 * one with "Duplicate" to get an editable copy. The server validates with the same schema;
 * whatever it refuses is shown with its message and hint.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { AgentCreateRequest, AgentSummary, ToolSummary } from '../api/types';
import { agentPath } from '../app/router';
import { useServices } from '../app/services';
import type { Catalog } from '../models/use-catalog';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';
import { RunInBackground } from './run-in-background';
import { ToolChoices } from './tool-choices';

export interface AgentFormPageProps {
  /** undefined: a new agent. */
  agentId: string | undefined;
  catalog: Catalog;
  go(path: string): void;
}

interface Draft {
  id: string;
  name: string;
  description: string;
  systemPrompt: string;
  /** '' is the server's default model. */
  model: string;
  tools: string[];
  maxSteps: number;
  maxDurationSeconds: number;
  maxTokens: number;
}

const NEW_AGENT: Draft = { id: '', name: '', description: '', systemPrompt: '', model: '', tools: [], maxSteps: 8, maxDurationSeconds: 120, maxTokens: 8192 };

function draftOf(agent: AgentSummary): Draft {
  return {
    id: agent.id, name: agent.name, description: agent.description, systemPrompt: agent.system_prompt, model: agent.model ?? '', tools: agent.tools,
    maxSteps: agent.limits.max_steps, maxDurationSeconds: Math.round(agent.limits.max_duration_ms / 1000), maxTokens: agent.limits.max_tokens,
  };
}

export function AgentFormPage({ agentId, catalog, go }: AgentFormPageProps) {
  const { api } = useServices();
  const [agent, setAgent] = useState<AgentSummary | undefined>(undefined);
  const [loadError, setLoadError] = useState<ShownError | undefined>(undefined);
  const [tools, setTools] = useState<ToolSummary[] | undefined>(undefined);
  const [toolsError, setToolsError] = useState<ShownError | undefined>(undefined);

  useEffect(() => {
    setAgent(undefined);
    setLoadError(undefined);
    if (agentId === undefined) return undefined;
    const controller = new AbortController();
    api.agent.get(agentId, controller.signal).then(setAgent, (error: unknown) => {
      if (!controller.signal.aborted) setLoadError(toShownError(error));
    });
    return () => controller.abort();
  }, [api, agentId]);

  useEffect(() => {
    const controller = new AbortController();
    api.tools(controller.signal).then(setTools, (error: unknown) => {
      if (!controller.signal.aborted) setToolsError(toShownError(error));
    });
    return () => controller.abort();
  }, [api]);

  const back = <button type="button" className="button-secondary" onClick={() => go('/agents')}>Back to the agents</button>;
  if (loadError) {
    return <section className="page"><ErrorNotice error={loadError} title="This agent could not be opened." />{back}</section>;
  }
  if (agentId !== undefined && !agent) return <section className="page"><p role="status">Loading the agent…</p></section>;
  return (
    <AgentForm
      key={agent?.id ?? 'new'}
      agent={agent}
      tools={tools}
      toolsError={toolsError}
      catalog={catalog}
      go={go}
    />
  );
}

function AgentForm({ agent, tools, toolsError, catalog, go }: { agent: AgentSummary | undefined; tools: ToolSummary[] | undefined; toolsError: ShownError | undefined; catalog: Catalog; go(path: string): void }) {
  const { api } = useServices();
  const [draft, setDraft] = useState<Draft>(agent ? draftOf(agent) : NEW_AGENT);
  const saving = useAsyncAction();
  const duplicating = useAsyncAction();
  const readOnly = agent?.builtin === true;
  const change = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));

  const modelNames = useMemo(() => {
    const names = (catalog.models?.detailed ?? []).filter((detail) => detail.capabilities.chat).map((detail) => detail.name);
    return [...new Set(names)];
  }, [catalog.models]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (readOnly) return;
    const body: AgentCreateRequest = {
      name: draft.name.trim(),
      description: draft.description,
      system_prompt: draft.systemPrompt,
      model: draft.model || null,
      tools: draft.tools,
      limits: { max_steps: draft.maxSteps, max_duration_ms: draft.maxDurationSeconds * 1000, max_tokens: draft.maxTokens },
    };
    const saved = await saving.run(() => (agent ? api.agent.update(agent.id, body) : api.agent.create({ ...body, ...(draft.id.trim() ? { id: draft.id.trim() } : {}) })));
    if (!saved) return;
    catalog.agentChanged(saved.id, saved);
    go('/agents');
  };

  const duplicate = async () => {
    if (!agent) return;
    const copy = await duplicating.run(() => api.agent.duplicate(agent.id));
    if (!copy) return;
    catalog.agentChanged(copy.id, copy);
    go(agentPath(copy.id));
  };

  const title = !agent ? 'New agent' : readOnly ? agent.name : `Edit ${agent.name}`;
  return (
    <section className="page" aria-labelledby="agent-form-title">
      <div className="page-header">
        <h2 id="agent-form-title">{title}</h2>
        <button type="button" className="button-small" onClick={() => go('/agents')}>All agents</button>
      </div>
      {readOnly && (
        <div className="notice" role="note" data-testid="agent-read-only">
          <p>Built-in agents are read-only templates. Duplicate this one to get a copy of your own that you can change.</p>
          <button type="button" className="button-primary" onClick={() => void duplicate()} disabled={duplicating.busy} data-testid="agent-form-duplicate">Duplicate</button>
          {duplicating.error && <ErrorNotice error={duplicating.error} />}
        </div>
      )}
      {agent && <RunInBackground agentId={agent.id} agentName={agent.name} go={go} />}
      {agent && <h3>Definition</h3>}
      <form className="form agent-form" onSubmit={(event) => void submit(event)} aria-label={title} data-testid="agent-form">
        <fieldset disabled={readOnly || saving.busy} className="agent-fieldset">
          <div className="form-row">
            <label className="field field-grow">
              <span>Name</span>
              <input required maxLength={80} value={draft.name} onChange={(e) => change('name', e.target.value)} data-testid="agent-name" />
            </label>
            {!agent && (
              <label className="field field-grow">
                <span>Id (optional: made from the name)</span>
                <input maxLength={64} pattern="[a-z0-9][a-z0-9_\-]*" title="Lower-case letters, digits, - and _" value={draft.id} onChange={(e) => change('id', e.target.value)} data-testid="agent-id" />
              </label>
            )}
          </div>
          <label className="field">
            <span>Description</span>
            <input maxLength={500} value={draft.description} onChange={(e) => change('description', e.target.value)} data-testid="agent-description" />
          </label>
          <label className="field">
            <span>System prompt</span>
            <textarea rows={8} maxLength={20_000} value={draft.systemPrompt} onChange={(e) => change('systemPrompt', e.target.value)} data-testid="agent-system-prompt" />
          </label>
          <label className="field">
            <span>Model</span>
            <select value={draft.model} onChange={(e) => change('model', e.target.value)} data-testid="agent-model">
              <option value="">{catalog.models?.default_model ? `The default (now ${catalog.models.default_model})` : 'The default'}</option>
              {modelNames.map((name) => <option key={name} value={name}>{name}</option>)}
              {draft.model && !modelNames.includes(draft.model) && <option value={draft.model}>{draft.model} (not available now)</option>}
            </select>
          </label>
          <ToolChoices tools={tools} error={toolsError} selected={draft.tools} onChange={(next) => change('tools', next)} />
          <fieldset className="limits">
            <legend>Limits of one run</legend>
            <div className="form-row">
              <label className="field"><span>Steps (1–50)</span>
                <input type="number" required min={1} max={50} value={draft.maxSteps} onChange={(e) => change('maxSteps', e.target.valueAsNumber)} data-testid="agent-max-steps" />
              </label>
              <label className="field"><span>Time in seconds (1–3600)</span>
                <input type="number" required min={1} max={3600} value={draft.maxDurationSeconds} onChange={(e) => change('maxDurationSeconds', e.target.valueAsNumber)} data-testid="agent-max-seconds" />
              </label>
              <label className="field"><span>Tokens (1–1,000,000)</span>
                <input type="number" required min={1} max={1_000_000} value={draft.maxTokens} onChange={(e) => change('maxTokens', e.target.valueAsNumber)} data-testid="agent-max-tokens" />
              </label>
            </div>
          </fieldset>
        </fieldset>
        {saving.error && <ErrorNotice error={saving.error} title="The agent was not saved." testId="agent-form-error" />}
        {!readOnly && (
          <div className="form-row">
            <button type="submit" className="button-primary" disabled={saving.busy} data-testid="agent-save">{saving.busy ? 'Saving…' : agent ? 'Save changes' : 'Create agent'}</button>
            <button type="button" className="button-secondary" onClick={() => go('/agents')}>Cancel</button>
          </div>
        )}
      </form>
    </section>
  );
}
