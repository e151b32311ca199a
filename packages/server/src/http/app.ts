/**
 * The Fastify app: plugins (request ids, errors, OpenAPI, WebSocket) and the routes of each
 * area. Routes are thin; the platform's services do the work.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import { fileURLToPath } from 'node:url';
import type { Platform } from '../platform.js';
import { registerWebUi } from './web-ui.js';
import { clientErrorHandler, registerErrorBoundary } from './error-boundary.js';
import { registerAuthHook } from './auth-hook.js';
import { registerJsonParser, registerSecurityHeaders } from './hardening.js';
import { createRequestIds } from './request-ids.js';
import { createSerializerFactory } from './serializer-compiler.js';
import { createValidatorFactory } from './validator-compiler.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { providerRoutes } from './routes/providers.js';
import { agentRoutes } from './routes/agents.js';
import { runRoutes } from './routes/runs.js';
import { knowledgeRoutes } from './routes/knowledge.js';
import { chatSocketRoutes } from './routes/chat-socket.js';
import { chatRoutes, type WatchCredential } from './routes/chat.js';
import { conversationRoutes } from './routes/conversations.js';
import { healthRoutes } from './routes/health.js';
import { modelRoutes } from './routes/models.js';
import { openAIRoutes } from './routes/openai.js';
import { toolRoutes } from './routes/tools.js';
import { mcpServerRoutes } from './routes/mcp-servers.js';
import { voiceRoutes } from './routes/voice.js';
import { voiceSocketRoutes } from './routes/voice-socket.js';
import { metricsRoutes } from './routes/metrics.js';
import { registerRequestMetrics } from '../metrics/request-metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** A pino instance shared with the services; wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Compile every request validator and response serializer when the app starts (a test does), not when each is first used. */
  compileSchemasAtStart?: boolean;
}

export async function buildApp(platform: Platform, options: AppOptions = {}): Promise<FastifyInstance> {
  const nextRequestId = createRequestIds();
  const tracing = platform.tracing;
  const logger = options.logger ?? { level: platform.config.LOG_LEVEL };
  const app = Fastify({
    // With tracing on, a logger made here stamps its lines with the trace (a given instance was made so by its maker).
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: tracing && typeof logger === 'object' ? { ...logger, mixin: tracing.logFields } : logger }),
    // A caller's own request id is kept (so logs line up across services) when it is sane.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : nextRequestId();
    },
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
    clientErrorHandler,
    trustProxy: platform.config.TRUST_PROXY,
    schemaController: {
      compilersFactory: {
        buildValidator: createValidatorFactory({ compileOnFirstUse: !options.compileSchemasAtStart }),
        buildSerializer: createSerializerFactory({ compileOnFirstUse: !options.compileSchemasAtStart }),
      },
    },
  });

  // First, so every other hook and the route run inside the request's span.
  tracing?.instrumentApp(app);
  // JSON only (a text/plain body is refused with 415), checked for UTF-8 and depth first.
  registerJsonParser(app);
  registerErrorBoundary(app);
  registerRequestMetrics(app, platform.metrics);
  registerSecurityHeaders(app, { corsOrigins: platform.config.corsOrigins });
  registerAuthHook(app, { auth: platform.auth, limiter: platform.limiter, authEnabled: platform.config.AUTH === 'enabled', ratePerMinute: platform.config.RATE_LIMIT_PER_MINUTE });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'SutazAI Platform API', version: '0.1.0', description: 'Chat, models, agents and conversations of a self-hosted SutazAI (JARVIS).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A session token from POST /api/v1/auth/login, or an API key.' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });

  await app.register(healthRoutes(platform.probes));
  await app.register(metricsRoutes(platform.metrics, { token: platform.config.METRICS_TOKEN }));
  await app.register(authRoutes(platform.auth, { sessionTtlSeconds: platform.config.SESSION_TTL_HOURS * 3600 }));
  await app.register(adminRoutes(platform.auth));
  await app.register(providerRoutes({ fetch: platform.outboundFetch, policy: platform.outboundPolicy, timeouts: platform.providerTimeouts }));
  const watch: WatchCredential = (request, onRevoked) => (request.principal ? platform.auth.watch(request.principal.credential.id, onRevoked) : () => undefined);
  await app.register(chatRoutes(platform.chat, watch));
  await app.register(chatSocketRoutes(platform.chat, watch));
  await app.register(modelRoutes(platform.registry));
  await app.register(agentRoutes(platform.agents));
  await app.register(runRoutes(platform.runs, platform.chat, watch));
  await app.register(knowledgeRoutes(platform.knowledge, { maxUploadBytes: platform.config.KNOWLEDGE_MAX_UPLOAD_BYTES }));
  await app.register(toolRoutes(platform.tools));
  await app.register(mcpServerRoutes(platform.mcp));
  await app.register(voiceRoutes(platform.voice, { maxUploadBytes: platform.config.VOICE_MAX_UPLOAD_BYTES }));
  await app.register(voiceSocketRoutes(platform.voice, watch));
  await app.register(conversationRoutes(platform.storage));
  await app.register(openAIRoutes(platform.registry, { maxTokensCap: platform.config.MAX_TOKENS_CAP }));
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  // The JARVIS web UI on the same origin: no frontend-to-backend address to get wrong.
  registerWebUi(app, { distDir: fileURLToPath(new URL('../../../web/dist', import.meta.url)) });

  return app;
}
