/**
 * Which models exist and who serves them. Model lists are cached briefly so a chat turn
 * does not pay a round trip to every provider; a provider that fails to list is treated as
 * serving nothing until it answers again (it shows as down in health, never as a model).
 */
import { AppError } from '../errors/catalogue.js';
import type { ModelInfo, Provider } from './provider.js';

export interface ProviderModels {
  provider: Provider;
  models: ModelInfo[];
  /** Why the list is empty, when listing failed. */
  error?: string;
}

export interface ResolvedModel {
  provider: Provider;
  model: string;
}

export interface ModelRegistry {
  readonly providers: readonly Provider[];
  list(options?: { fresh?: boolean }): Promise<ProviderModels[]>;
  /** The model to use for a request; throws MODEL_NOT_FOUND or NO_MODEL_AVAILABLE. */
  resolve(requested: string | undefined): Promise<ResolvedModel>;
  defaultModel(): Promise<string | null>;
  close(): Promise<void>;
}

export interface ModelRegistryOptions {
  providers: Provider[];
  defaultModel?: string | undefined;
  /** How long a model list is trusted. */
  cacheMs?: number;
}

export function createModelRegistry(options: ModelRegistryOptions): ModelRegistry {
  const cacheMs = options.cacheMs ?? 10_000;
  const cache = new Map<Provider, { at: number; value: Promise<ProviderModels> }>();

  const listOne = (provider: Provider, fresh: boolean): Promise<ProviderModels> => {
    const hit = cache.get(provider);
    if (!fresh && hit && Date.now() - hit.at < cacheMs) return hit.value;
    const value = provider.listModels(AbortSignal.timeout(3000))
      .then((models) => ({ provider, models }))
      .catch((error: unknown) => ({ provider, models: [], error: (error as Error).message }));
    cache.set(provider, { at: Date.now(), value });
    return value;
  };

  const list = (opts?: { fresh?: boolean }) => Promise.all(options.providers.map((p) => listOne(p, opts?.fresh === true)));

  const find = (all: ProviderModels[], name: string): ResolvedModel | undefined => {
    for (const entry of all) if (entry.models.some((m) => m.name === name)) return { provider: entry.provider, model: name };
    // "<provider id>/<model>" picks one provider when two serve the same name.
    const slash = name.indexOf('/');
    if (slash > 0) {
      const entry = all.find((e) => e.provider.id === name.slice(0, slash));
      const rest = name.slice(slash + 1);
      if (entry?.models.some((m) => m.name === rest)) return { provider: entry.provider, model: rest };
    }
    return undefined;
  };

  const firstAvailable = (all: ProviderModels[]): ResolvedModel | undefined => {
    for (const entry of all) {
      const model = entry.models[0];
      if (model && entry.provider.capabilities.chat) return { provider: entry.provider, model: model.name };
    }
    return undefined;
  };

  const resolveIn = (all: ProviderModels[], requested: string | undefined) => {
    if (requested) return find(all, requested);
    // A configured default that is not served is an error, not a quiet switch to another model.
    if (options.defaultModel) return find(all, options.defaultModel);
    return firstAvailable(all);
  };

  return {
    providers: options.providers,
    list,
    async resolve(requested) {
      // A miss on the cached lists may be a model pulled a moment ago: look again, fresh.
      const found = resolveIn(await list(), requested) ?? resolveIn(await list({ fresh: true }), requested);
      if (found) return found;
      const all = await list();
      if (all.every((entry) => entry.models.length === 0)) throw new AppError('NO_MODEL_AVAILABLE');
      const name = requested ?? options.defaultModel;
      throw new AppError('MODEL_NOT_FOUND', `No provider serves the model "${name}"${requested ? '' : ' (DEFAULT_MODEL)'}.`, {
        hint: `Available models: ${all.flatMap((e) => e.models.map((m) => m.name)).slice(0, 20).join(', ')}. List them with GET /api/v1/models/.`,
      });
    },
    async defaultModel() {
      const found = resolveIn(await list(), undefined);
      return found ? found.model : null;
    },
    async close() {
      await Promise.all(options.providers.map((p) => p.close?.()));
    },
  };
}
