import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ModelsResponse, type ModelDetail } from '@sutazai/contracts';
import type { ModelRegistry } from '../../llm/registry.js';

export async function listModelDetails(registry: ModelRegistry): Promise<ModelDetail[]> {
  const seen = new Set<string>();
  const detailed: ModelDetail[] = [];
  for (const entry of await registry.list()) {
    const c = entry.provider.capabilities;
    for (const model of entry.models) {
      // The same name from two providers: the second is addressed as "<provider>/<name>".
      const name = seen.has(model.name) ? `${entry.provider.id}/${model.name}` : model.name;
      seen.add(name);
      detailed.push({
        name, provider: entry.provider.id, provider_kind: entry.provider.kind, available: true,
        capabilities: { chat: c.chat, streaming: c.streaming, tool_calls: c.toolCalls, embeddings: c.embeddings, model_pull: c.modelPull },
        ...(model.details ? { details: model.details } : {}),
      });
    }
  }
  return detailed;
}

export function modelRoutes(registry: ModelRegistry) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/api/v1/models/', {
      schema: { tags: ['models'], summary: 'Every model of every reachable provider', response: { 200: ModelsResponse } },
    }, async () => {
      const detailed = await listModelDetails(registry);
      return { models: detailed.map((m) => m.name), count: detailed.length, default_model: await registry.defaultModel().catch(() => null), detailed };
    });
  };
}
