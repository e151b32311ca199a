import { afterAll } from 'vitest';
import { createOllamaProvider } from '../llm/ollama/ollama-provider.js';
import { createOpenAICompatibleProvider } from '../llm/openai-compatible/openai-compatible-provider.js';
import { startOllamaTestServer } from '../llm/test-support/ollama-test-server.js';
import { startOpenAICompatibleTestServer } from '../llm/test-support/openai-compatible-test-server.js';
import { describeProviderConformance } from '../llm/test-support/provider-conformance.js';
import { createGuardedFetch } from './outbound-guard.js';

// The HTTP adapters' whole conformance suite (streaming, timeouts, aborts, cut connections)
// run with the guarded fetch in place of the global one: the guard must be a drop-in.
const guardedFetch = createGuardedFetch({ allowLoopback: true });
afterAll(() => guardedFetch.close());

describeProviderConformance('ollama through the guarded fetch', {
  startServer: (script) => startOllamaTestServer(script),
  createProvider: (options) => createOllamaProvider({ ...options, fetch: guardedFetch }),
});

describeProviderConformance('openai-compatible through the guarded fetch', {
  startServer: (script) => startOpenAICompatibleTestServer(script),
  createProvider: (options) => createOpenAICompatibleProvider({ ...options, fetch: guardedFetch }),
});
