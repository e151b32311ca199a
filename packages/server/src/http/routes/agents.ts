import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AgentList } from '@sutazai/contracts';
import type { AgentCatalog } from '../../agents/agent-catalog.js';

export function agentRoutes(agents: AgentCatalog) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/api/v1/agents/', {
      schema: { tags: ['agents'], summary: 'The agents the caller may use', response: { 200: AgentList } },
    }, async (request) => {
      const list = await agents.list(request.ownerId);
      return list.map((a) => ({ id: a.id, name: a.name, description: a.description, status: 'active', capabilities: a.capabilities, model: a.model, builtin: a.builtin,
        system_prompt: a.systemPrompt, tools: [], knowledge_bases: [], limits: { max_steps: 8, max_duration_ms: 120_000, max_tokens: 8192 }, created_at: null, updated_at: null }));
    });
  };
}
