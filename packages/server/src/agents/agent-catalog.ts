/**
 * The agents a user may talk to. For now one built-in assistant; the agents issue adds
 * agent files and users' own agents behind the same two functions.
 */
import { AppError } from '../errors/catalogue.js';

export interface Agent {
  id: string;
  name: string;
  description: string;
  systemPrompt: string;
  /** Model to use, or null for the default model. */
  model: string | null;
  capabilities: string[];
  builtin: boolean;
}

const builtinAgents: Agent[] = [
  {
    id: 'default',
    name: 'JARVIS',
    description: 'General assistant: answers questions and helps with everyday tasks.',
    systemPrompt: 'You are JARVIS, a helpful, concise and honest assistant.',
    model: null,
    capabilities: ['chat', 'streaming'],
    builtin: true,
  },
];

export interface AgentCatalog {
  list(ownerId: string): Promise<Agent[]>;
  /** The named agent, or the default one when `id` is undefined; AGENT_NOT_FOUND otherwise. */
  get(ownerId: string, id: string | undefined): Promise<Agent>;
}

export function createAgentCatalog(): AgentCatalog {
  return {
    async list() {
      return builtinAgents;
    },
    async get(_ownerId, id) {
      const agent = builtinAgents.find((a) => a.id === (id ?? 'default'));
      if (!agent) throw new AppError('AGENT_NOT_FOUND', `No agent named "${id}".`);
      return agent;
    },
  };
}
