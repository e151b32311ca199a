/**
 * "Test connection" for a model server a user is about to configure: a real round trip from
 * the server, through the outbound guard, so it cannot be used to probe the private network.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse, ProviderTestRequest, ProviderTestResponse } from '@sutazai/contracts';
import { toAppError } from '../../chat/provider-errors.js';
import { AppError } from '../../errors/catalogue.js';
import { createOllamaProvider } from '../../llm/ollama/ollama-provider.js';
import { createOpenAICompatibleProvider } from '../../llm/openai-compatible/openai-compatible-provider.js';
import type { ProviderTimeouts } from '../../llm/provider.js';
import { checkUrl, compilePolicy, type OutboundPolicy } from '../../net/outbound-guard.js';
import { principal } from './auth.js';

export function providerRoutes(options: { fetch: typeof fetch; policy: OutboundPolicy; timeouts: ProviderTimeouts }) {
  const policy = compilePolicy(options.policy);
  return async (app: FastifyInstance) => {
    app.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/providers/test', {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['models'], summary: 'Test a model server URL (administrators): reachability, kind and models',
        body: ProviderTestRequest, response: { 200: ProviderTestResponse, 400: ErrorResponse, 403: ErrorResponse },
      },
    }, async (request) => {
      if (principal(request).role !== 'admin') throw new AppError('FORBIDDEN');
      const { kind, base_url: baseURL, api_key: apiKey } = request.body;
      let url: URL;
      try {
        url = new URL(baseURL);
      } catch {
        throw new AppError('VALIDATION_FAILED', `base_url "${baseURL}" is not a URL; write it like http://host:11434.`);
      }
      // Refuse before any connection, so the answer never depends on what listens there.
      const refused = checkUrl(url, policy);
      if (refused) throw toAppError(refused);
      const settings = { baseURL: baseURL.replace(/\/+$/, ''), timeouts: options.timeouts, fetch: options.fetch, probeTimeoutMs: 5000 };
      const provider = kind === 'ollama' ? createOllamaProvider(settings) : createOpenAICompatibleProvider({ ...settings, ...(apiKey ? { apiKey } : {}) });
      let models: string[] = [];
      try {
        models = (await provider.listModels(AbortSignal.timeout(5000))).map((m) => m.name);
      } catch (error) {
        // A name that resolves to a refused address is only found out when connecting.
        const appError = toAppError(error);
        if (appError.code === 'OUTBOUND_REQUEST_BLOCKED') throw appError;
      }
      const probe = await provider.probe();
      return {
        status: probe.status === 'healthy' ? 'healthy' as const : 'down' as const,
        latency_ms: Math.round(probe.latencyMs * 10) / 10, detail: probe.detail, hint: probe.hint ?? null,
        models: probe.status === 'healthy' ? models : [],
      };
    });
  };
}
