/**
 * The agents this user may use: the built-in ones (read-only templates, to duplicate) and
 * their own (edit, duplicate, delete). The list is the catalog's, so the picker in the
 * header changes with it.
 */
import { useState } from 'react';
import type { AgentSummary } from '../api/types';
import { agentPath } from '../app/router';
import { useServices } from '../app/services';
import type { Catalog } from '../models/use-catalog';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';

export interface AgentsPageProps {
  catalog: Catalog;
  go(path: string): void;
}

export function AgentsPage({ catalog, go }: AgentsPageProps) {
  const { agents, agentsError } = catalog;
  const builtin = agents?.filter((agent) => agent.builtin) ?? [];
  const own = agents?.filter((agent) => !agent.builtin) ?? [];
  return (
    <section className="page" aria-labelledby="agents-title" data-testid="agents-page">
      <div className="page-header">
        <h2 id="agents-title">Agents</h2>
        <button type="button" className="button-primary" onClick={() => go('/agents/new')} data-testid="agent-new">New agent</button>
      </div>
      <p className="muted">An agent is a system prompt, a model, the tools it may call and the limits of one run. Pick one in the header to chat with it.</p>
      {agentsError && <ErrorNotice error={agentsError} title="The agents could not be listed." />}
      {!agents && !agentsError && <p role="status">Loading…</p>}
      {agents && (
        <>
          <h3>Yours</h3>
          {own.length === 0
            ? <p className="muted" data-testid="agents-own-empty">None yet: create one, or duplicate a built-in agent and change the copy.</p>
            : <AgentList agents={own} catalog={catalog} go={go} />}
          <h3>Built in</h3>
          <p className="muted">Read-only templates that ship with SutazAI. Duplicate one to change it.</p>
          <AgentList agents={builtin} catalog={catalog} go={go} />
        </>
      )}
    </section>
  );
}

function AgentList({ agents, catalog, go }: { agents: AgentSummary[]; catalog: Catalog; go(path: string): void }) {
  return (
    <ul className="agent-list">
      {agents.map((agent) => <AgentItem key={agent.id} agent={agent} catalog={catalog} go={go} />)}
    </ul>
  );
}

function AgentItem({ agent, catalog, go }: { agent: AgentSummary; catalog: Catalog; go(path: string): void }) {
  const { api } = useServices();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, setError, run } = useAsyncAction();

  const duplicate = async () => {
    const copy = await run(() => api.agent.duplicate(agent.id));
    if (!copy) return;
    catalog.agentChanged(copy.id, copy);
    go(agentPath(copy.id));
  };

  const remove = async () => {
    const done = await run(async () => {
      await api.agent.remove(agent.id);
      return true;
    });
    if (!done) return;
    setConfirming(false);
    catalog.agentChanged(agent.id, null);
  };

  const chat = () => {
    catalog.setAgent(agent.id);
    go('/');
  };

  return (
    <li className="agent-item" data-testid="agent-item" data-agent-id={agent.id} data-builtin={agent.builtin}>
      <div className="agent-item-head">
        <strong className="agent-name">{agent.name}</strong>
        <code className="muted">{agent.id}</code>
        {agent.builtin && <span className="badge" data-testid="agent-builtin">built-in</span>}
      </div>
      {agent.description && <p className="agent-description">{agent.description}</p>}
      <p className="agent-meta">
        {agent.model ?? 'default model'} · {agent.tools.length === 0 ? 'no tools' : `tools: ${agent.tools.join(', ')}`} · up to {agent.limits.max_steps} steps
      </p>
      <div className="agent-actions">
        <button type="button" className="button-small button-primary" onClick={chat} aria-label={`Chat with ${agent.name}`} data-testid="agent-chat">Chat</button>
        <button type="button" className="button-small" onClick={() => go(agentPath(agent.id))} aria-label={`${agent.builtin ? 'View' : 'Edit'} ${agent.name}`} data-testid="agent-edit">
          {agent.builtin ? 'View' : 'Edit'}
        </button>
        <button type="button" className="button-small" onClick={() => void duplicate()} disabled={busy} aria-label={`Duplicate ${agent.name}`} data-testid="agent-duplicate">Duplicate</button>
        {!agent.builtin && !confirming && (
          <button type="button" className="button-small button-danger" onClick={() => { setError(undefined); setConfirming(true); }} aria-label={`Delete ${agent.name}`} data-testid="agent-delete">Delete</button>
        )}
      </div>
      {confirming && (
        <div className="agent-confirm" role="group" aria-label={`Confirm deleting ${agent.name}`}>
          <span>Delete "{agent.name}"? This cannot be undone.</span>
          <button type="button" className="button-small button-danger" onClick={() => void remove()} disabled={busy} data-testid="agent-delete-confirm">Delete</button>
          <button type="button" className="button-small" onClick={() => setConfirming(false)}>Keep</button>
        </div>
      )}
      {error && <ErrorNotice error={error} onDismiss={() => setError(undefined)} />}
    </li>
  );
}
