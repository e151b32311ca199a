import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AgentCreateRequest, AgentDuplicateRequest, AgentList, AgentSummary, AgentUpdateRequest, ErrorResponse } from '@sutazai/contracts';
import type { Agent, AgentCatalog } from '../../agents/agent-catalog.js';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** An agent as the API shows it: the original summary fields plus its definition. */
export function agentSummary(agent: Agent): AgentSummary {
  return {
    id: agent.id, name: agent.name, description: agent.description, status: 'active',
    capabilities: ['chat', 'streaming', ...(agent.tools.length > 0 ? ['tools'] : []), ...(agent.knowledge_bases.length > 0 ? ['knowledge'] : [])],
    model: agent.model, builtin: agent.builtin, system_prompt: agent.system_prompt, tools: agent.tools,
    knowledge_bases: agent.knowledge_bases, limits: agent.limits, created_at: agent.created_at, updated_at: agent.updated_at,
  };
}

export function agentRoutes(agents: AgentCatalog) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.get('/api/v1/agents/', {
      schema: { tags: ['agents'], summary: 'The agents the caller may use: the built-in ones, then their own', response: { 200: AgentList } },
    }, async (request) => (await agents.list(request.ownerId)).map(agentSummary));

    api.get('/api/v1/agents/:id', {
      schema: { tags: ['agents'], summary: 'One agent', params: Params, response: { 200: AgentSummary, ...errors } },
    }, async (request) => agentSummary(await agents.get(request.ownerId, request.params.id)));

    api.post('/api/v1/agents/', {
      schema: { tags: ['agents'], summary: 'Create an agent of your own', body: AgentCreateRequest, response: { 201: AgentSummary, ...errors } },
    }, async (request, reply) => reply.code(201).send(agentSummary(await agents.create(request.ownerId, request.body))));

    api.patch('/api/v1/agents/:id', {
      schema: { tags: ['agents'], summary: 'Change one of your agents (built-in ones are read-only)', params: Params, body: AgentUpdateRequest, response: { 200: AgentSummary, ...errors } },
    }, async (request) => agentSummary(await agents.update(request.ownerId, request.params.id, request.body)));

    api.delete('/api/v1/agents/:id', {
      schema: { tags: ['agents'], summary: 'Delete one of your agents', params: Params, response: { 204: Type.Null({ description: 'Deleted.' }), ...errors } },
    }, async (request, reply) => {
      await agents.remove(request.ownerId, request.params.id);
      return reply.code(204).send(null);
    });

    api.post('/api/v1/agents/:id/duplicate', {
      schema: { tags: ['agents'], summary: 'Copy an agent (built-in or your own) into a new agent of your own', params: Params, body: Type.Optional(AgentDuplicateRequest), response: { 201: AgentSummary, ...errors } },
    }, async (request, reply) => reply.code(201).send(agentSummary(await agents.duplicate(request.ownerId, request.params.id, request.body ?? {}))));
  };
}
