/**
 * `sutazai serve`: configuration, platform, HTTP app, listen; and a clean shutdown that
 * stores every reply being generated as interrupted.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { ResolvedConfig } from './config/load.js';
import { buildApp, type AppOptions } from './http/app.js';
import { createPlatform, type Platform } from './platform.js';
import { loadTracing } from './tracing/load-tracing.js';

export interface RunningServer {
  app: FastifyInstance;
  platform: Platform;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: ResolvedConfig, options: AppOptions = {}): Promise<RunningServer> {
  // One logger for the whole process: the services log through the same pino instance as the requests.
  // Tracing comes first: with it on, every line carries the trace and span it was written in.
  const tracing = await loadTracing(config);
  const logger = options.loggerInstance ?? pino({ level: config.LOG_LEVEL, ...(tracing ? { mixin: tracing.logFields } : {}) });
  let platform: Platform;
  try {
    platform = await createPlatform(config, logger, { tracing });
  } catch (error) {
    // Tracing is the platform's to close once it exists; a platform that failed to start leaves it to us.
    await tracing?.close();
    throw error;
  }
  let app: FastifyInstance;
  try {
    app = await buildApp(platform, { ...options, loggerInstance: logger });
    await app.listen({ host: config.HOST, port: config.PORT });
    await platform.start();
  } catch (error) {
    await platform.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  let closing: Promise<void> | undefined;
  return {
    app, platform, url: `http://${host}:${port}`,
    close: () => (closing ??= (async () => {
      await platform.chat.close();
      await app.close();
      await platform.close();
    })()),
  };
}
