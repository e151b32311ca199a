import type { Llama } from 'node-llama-cpp';
import { ProviderError } from '../provider.js';

/** The subset of a pino/fastify logger this adapter uses. */
export interface LlamaCppLogger {
  debug(bindings: object, message: string): void;
  info(bindings: object, message: string): void;
  warn(bindings: object, message: string): void;
}

export interface Engine {
  module: typeof import('node-llama-cpp');
  llama: Llama;
}

/** The native llama.cpp runtime, started on first use and shared by all models of a provider. */
export interface LlamaEngine {
  /** Starts the engine once; concurrent callers share the start, a failed start is retried. */
  get(): Promise<Engine>;
  readonly started: boolean;
  /** Why the last start failed, until a later start succeeds. */
  readonly failure: string | undefined;
  dispose(): Promise<void>;
}

export function createLlamaEngine(providerId: string, logger: LlamaCppLogger): LlamaEngine {
  let engine: Promise<Engine> | undefined;
  let failure: string | undefined;

  // The addon is imported here, not at module load: importing node-llama-cpp alone takes
  // ~0.4 s and getLlama another ~0.5 s (more on a busy machine), which server start-up
  // must not pay when nobody uses a local model.
  async function start(): Promise<Engine> {
    const module = await import('node-llama-cpp');
    const levels = module.LlamaLogLevel;
    const llama = await module.getLlama({
      gpu: false,
      // Compiling llama.cpp on a user's first request would stall it for minutes; without a
      // prebuilt or local binary, failing with a clear error is the better answer.
      build: 'never',
      progressLogs: false,
      logLevel: levels.warn,
      logger: (level, message) => {
        const text = message.trimEnd();
        if (level === levels.fatal || level === levels.error) logger.warn({ provider: providerId, level }, text);
        else logger.debug({ provider: providerId, level }, text);
      },
    });
    failure = undefined;
    logger.debug({ provider: providerId, buildType: llama.buildType, cpuMathCores: llama.cpuMathCores }, 'llama.cpp engine started');
    return { module, llama };
  }

  return {
    get() {
      engine ??= start().catch((error: unknown) => {
        engine = undefined;
        failure = error instanceof Error ? error.message : String(error);
        throw new ProviderError(providerId, 'unreachable', `llama.cpp could not start: ${failure}`, { cause: error });
      });
      return engine;
    },
    get started() {
      return engine !== undefined;
    },
    get failure() {
      return failure;
    },
    async dispose() {
      const running = await engine?.catch(() => undefined);
      engine = undefined;
      await running?.llama.dispose();
    },
  };
}
