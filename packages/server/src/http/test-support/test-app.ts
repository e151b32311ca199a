/**
 * A real platform and app for API tests: SQLite in a temp folder, the real tiny model
 * (symlinked, never copied) and/or a protocol-faithful OpenAI-compatible test server.
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { parseServerSentEvents, readServerSentEvents, type ServerSentEvent } from '@sutazai/contracts';
import { loadConfig } from '../../config/load.js';
import { createPlatform, type Platform } from '../../platform.js';
import { buildApp } from '../app.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** The real model the tests run: SUTAZAI_TEST_MODEL, or the shared tiny model beside the repo. */
export const testModelPath = path.resolve(repoRoot, process.env.SUTAZAI_TEST_MODEL ?? '../shared/models/stories260K.gguf');
export const testModelName = path.basename(testModelPath).replace(/\.gguf$/i, '');

export interface TestApp {
  app: FastifyInstance;
  platform: Platform;
  dir: string;
  /** Base URL once `listen()` was called. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Serve the real tiny model through the embedded engine. */
  realModel?: boolean;
  /** Extra environment, e.g. OPENAI_BASE_URL of a test server. */
  env?: Record<string, string>;
  /** Reuse a data folder (a restart). */
  dir?: string;
  logger?: boolean;
  /** Where the JSON log lines go when `logger` is on. */
  loggerStream?: { write(line: string): void };
}

const noLogger = { error() {}, warn() {}, info() {}, debug() {} };

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'sutazai-api-'));
  const modelsDir = path.join(dir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  if (options.realModel) {
    if (!existsSync(testModelPath)) throw new Error(`The test model ${testModelPath} is missing; set SUTAZAI_TEST_MODEL to a GGUF file.`);
    const link = path.join(modelsDir, path.basename(testModelPath));
    if (!existsSync(link)) symlinkSync(testModelPath, link);
  }
  const config = loadConfig({
    cwd: dir,
    env: {
      DATA_DIR: path.join(dir, 'data'),
      MODELS_DIR: modelsDir,
      // Nothing listens here: Ollama shows as disabled, as on a machine without it.
      LOG_LEVEL: 'silent',
      // API tests of other areas act as the local admin; the accounts tests turn AUTH on.
      AUTH: 'disabled',
      STREAM_RESUME_WINDOW_MS: '300',
      PROVIDER_CONNECT_TIMEOUT_MS: '2000',
      PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '2000',
      PROVIDER_IDLE_TIMEOUT_MS: '1000',
      LLAMA_CONTEXT_SIZE: '1024',
      ...options.env,
    },
  });
  const platform = await createPlatform(config, noLogger);
  const app = await buildApp(platform, { logger: options.logger ? { level: 'info', ...(options.loggerStream ? { stream: options.loggerStream } : {}) } : false });
  await app.ready();
  await platform.start();
  return {
    app, platform, dir,
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('not listening');
      return `http://127.0.0.1:${address.port}`;
    },
    async close() {
      await platform.chat.close();
      await app.close();
      await platform.close();
    },
  };
}

/** Parses a whole SSE body into events. */
export const parseSse = parseServerSentEvents;

/** Reads SSE events from a live fetch response as they arrive. */
export function readSse(response: Response): AsyncGenerator<ServerSentEvent> {
  return readServerSentEvents(response.body as unknown as AsyncIterable<Uint8Array>);
}

export { until } from '../../test-support/until.js';
