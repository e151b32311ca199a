import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse, ModelsResponse, PullModelRequest, type ModelDetail } from '@sutazai/contracts';
import { toAppError } from '../../chat/provider-errors.js';
import { AppError } from '../../errors/catalogue.js';
import { errorBody } from '../error-boundary.js';
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

    app.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/models/pull', {
      schema: {
        tags: ['models'], summary: 'Download a model with a provider that can (Ollama), streaming progress as server-sent events',
        description: 'Events: pull-progress {status, completed?, total?}, then pull-end {name, provider} or error {code, message}.',
        body: PullModelRequest, response: { 400: ErrorResponse, 404: ErrorResponse, 502: ErrorResponse },
      },
    }, async (request, reply) => {
      const { name, provider: wanted } = request.body;
      const provider = registry.providers.find((p) => p.pullModel && (wanted === undefined || p.id === wanted));
      if (!provider?.pullModel) {
        throw new AppError('CAPABILITY_UNSUPPORTED', wanted ? `The provider "${wanted}" is not configured or cannot pull models.` : 'No configured provider can pull models.', {
          hint: 'Model pulls need Ollama: start it (ollama serve) or set OLLAMA_BASE_URL.',
        });
      }
      const controller = new AbortController();
      reply.raw.once('close', () => controller.abort());
      const progress = provider.pullModel(name, controller.signal)[Symbol.asyncIterator]();
      // The first line decides between an HTTP error and a stream, so "unreachable" is never a 200.
      let next: IteratorResult<{ status: string }>;
      try {
        next = await progress.next();
      } catch (error) {
        throw toAppError(error);
      }
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': String(request.id) });
      const send = (event: string, data: unknown) => reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      try {
        for (; !next.done; next = await progress.next()) send('pull-progress', next.value);
        await registry.list({ fresh: true });
        send('pull-end', { name, provider: provider.id });
      } catch (error) {
        const appError = toAppError(error);
        send('error', errorBody(appError, String(request.id)).error);
      }
      reply.raw.end();
    });
  };
}
