/**
 * The embedding model knowledge bases use: EMBEDDING_MODEL, or the default model when its
 * provider can embed. Unavailable is a state with a reason, shown in search diagnostics and
 * document status, never a silent fallback.
 */
import type { ModelRegistry } from '../llm/registry.js';

export interface Embedder {
  /** `<provider>/<model>`: what an index records, so vectors of two models never mix. */
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

export type EmbedderResolution = { embedder: Embedder; reason?: undefined } | { embedder?: undefined; reason: string };

export function createEmbedderResolver(registry: ModelRegistry, configured: string | undefined): () => Promise<EmbedderResolution> {
  return async () => {
    let resolved;
    try {
      resolved = await registry.resolve(configured);
    } catch (error) {
      return { reason: configured ? `the embedding model ${configured} is not available (${(error as Error).message})` : `no model is available to embed with (${(error as Error).message})` };
    }
    const { provider, model } = resolved;
    const embed = provider.embed?.bind(provider);
    if (!embed) return { reason: `${provider.id}/${model} cannot embed: set EMBEDDING_MODEL to a model whose provider has embeddings` };
    return {
      embedder: {
        model: `${provider.id}/${model}`,
        async embed(texts, signal) {
          const result = await embed({ model, input: texts, ...(signal ? { signal } : {}) });
          return result.embeddings;
        },
      },
    };
  };
}
