/** The models and agents this user can pick, and the pick, remembered in this browser. */
import { useCallback, useEffect, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { AgentList, AgentSummary, ModelsResponse } from '../api/types';
import { useServices } from '../app/services';

export interface Catalog {
  models: ModelsResponse | undefined;
  agents: AgentList | undefined;
  modelsError: ShownError | undefined;
  agentsError: ShownError | undefined;
  loading: boolean;
  /** '' is the server's default model. */
  model: string;
  agent: string;
  setModel(name: string): void;
  setAgent(id: string): void;
  reload(): void;
  /** Shows an agent the server just created or changed (or, with `null`, deleted) at once, then lists them again. */
  agentChanged(id: string, agent: AgentSummary | null): void;
}

const MODEL_KEY = 'sutazai.model';
const AGENT_KEY = 'sutazai.agent';

function remembered(key: string): string {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

function remember(key: string, value: string): void {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // no storage: the pick lasts for this page
  }
}

export function useCatalog(): Catalog {
  const { api } = useServices();
  const [models, setModels] = useState<ModelsResponse | undefined>(undefined);
  const [agents, setAgents] = useState<AgentList | undefined>(undefined);
  const [modelsError, setModelsError] = useState<ShownError | undefined>(undefined);
  const [agentsError, setAgentsError] = useState<ShownError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [model, setModelState] = useState(() => remembered(MODEL_KEY));
  const [agent, setAgentState] = useState(() => remembered(AGENT_KEY));
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const loadModels = api.models(controller.signal).then((answer) => {
      setModels(answer);
      setModelsError(undefined);
    }, (error: unknown) => {
      if (!controller.signal.aborted) setModelsError(toShownError(error));
    });
    const loadAgents = api.agents(controller.signal).then((answer) => {
      setAgents(answer);
      setAgentsError(undefined);
    }, (error: unknown) => {
      if (!controller.signal.aborted) setAgentsError(toShownError(error));
    });
    void Promise.all([loadModels, loadAgents]).finally(() => {
      if (!controller.signal.aborted) setLoading(false);
    });
    return () => controller.abort();
  }, [api, generation]);

  // A remembered model that is gone falls back to the server's default, visibly.
  const available = models?.models;
  const chosenModel = model && available && !available.includes(model) ? '' : model;
  const chosenAgent = agent && agents && !agents.some((a) => a.id === agent) ? '' : agent;

  const setModel = useCallback((name: string) => {
    setModelState(name);
    remember(MODEL_KEY, name);
  }, []);
  const setAgent = useCallback((id: string) => {
    setAgentState(id);
    remember(AGENT_KEY, id);
  }, []);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const agentChanged = useCallback((id: string, changed: AgentSummary | null) => {
    setAgents((current) => {
      if (!current) return current;
      const others = current.filter((a) => a.id !== id);
      if (!changed) return others;
      return current.some((a) => a.id === id) ? current.map((a) => (a.id === id ? changed : a)) : [...others, changed];
    });
    reload();
  }, [reload]);

  return { models, agents, modelsError, agentsError, loading, model: chosenModel, agent: chosenAgent, setModel, setAgent, reload, agentChanged };
}
