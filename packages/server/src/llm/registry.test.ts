import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/catalogue.js';
import type { ModelInfo, Provider } from './provider.js';
import { createModelRegistry } from './registry.js';

/** A provider whose model list the test controls; chat is never called here. */
function providerWith(id: string, models: () => ModelInfo[] | Error): Provider & { listCalls: number } {
  const provider = {
    id, kind: 'openai-compatible' as const, listCalls: 0,
    capabilities: { chat: true, streaming: true, toolCalls: false, embeddings: false, modelList: true, modelPull: false },
    async listModels() {
      provider.listCalls++;
      const result = models();
      if (result instanceof Error) throw result;
      return result;
    },
    streamChat: () => (async function* () {})(),
    probe: async () => ({ status: 'healthy' as const, latencyMs: 0, detail: '' }),
  };
  return provider;
}

const code = async (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: unknown) => (e instanceof AppError ? e.code : String(e)));

describe('model registry', () => {
  it('resolves a named model to the provider that serves it', async () => {
    const a = providerWith('a', () => [{ name: 'alpha' }]);
    const b = providerWith('b', () => [{ name: 'beta' }]);
    const registry = createModelRegistry({ providers: [a, b] });
    expect(await registry.resolve('beta')).toMatchObject({ provider: b, model: 'beta' });
  });

  it('picks one of two providers serving the same name with "<provider>/<model>"', async () => {
    const a = providerWith('a', () => [{ name: 'same' }]);
    const b = providerWith('b', () => [{ name: 'same' }]);
    const registry = createModelRegistry({ providers: [a, b] });
    expect((await registry.resolve('b/same')).provider).toBe(b);
    expect((await registry.resolve('same')).provider).toBe(a);
  });

  it('uses DEFAULT_MODEL when set, and refuses rather than silently switching when it is not served', async () => {
    const a = providerWith('a', () => [{ name: 'alpha' }, { name: 'gamma' }]);
    expect((await createModelRegistry({ providers: [a], defaultModel: 'gamma' }).resolve(undefined)).model).toBe('gamma');
    expect(await code(createModelRegistry({ providers: [a], defaultModel: 'missing' }).resolve(undefined))).toBe('MODEL_NOT_FOUND');
  });

  it('says NO_MODEL_AVAILABLE when no provider has a model, and MODEL_NOT_FOUND for an unknown name', async () => {
    expect(await code(createModelRegistry({ providers: [providerWith('a', () => new Error('down'))] }).resolve(undefined))).toBe('NO_MODEL_AVAILABLE');
    expect(await code(createModelRegistry({ providers: [providerWith('a', () => [{ name: 'alpha' }])] }).resolve('zeta'))).toBe('MODEL_NOT_FOUND');
  });

  it('caches model lists, and looks again before calling a model unknown', async () => {
    let models = [{ name: 'alpha' }];
    const a = providerWith('a', () => models);
    const registry = createModelRegistry({ providers: [a], cacheMs: 60_000 });
    await registry.resolve('alpha');
    await registry.resolve('alpha');
    expect(a.listCalls).toBe(1);
    models = [{ name: 'alpha' }, { name: 'pulled-just-now' }];
    expect((await registry.resolve('pulled-just-now')).model).toBe('pulled-just-now');
  });

  it('lists an unreachable provider with no models and the reason', async () => {
    const registry = createModelRegistry({ providers: [providerWith('a', () => new Error('ECONNREFUSED'))] });
    expect(await registry.list()).toEqual([expect.objectContaining({ models: [], error: 'ECONNREFUSED' })]);
  });
});
