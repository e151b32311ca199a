import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { testEmbedding } from '../../llm/test-support/test-server-script.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

describe('OpenAI-compatible surface with the official openai client', () => {
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  let client: OpenAI;
  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'], chat: { tokens: ['Bonjour', ' le', ' monde'] }, embeddingDimensions: 8 });
    t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    client = new OpenAI({ baseURL: `${await t.listen()}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('lists models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['scripted']);
    expect(models.data[0]!.owned_by).toBe('openai');
  });

  it('completes a chat without streaming, passing options upstream', async () => {
    const completion = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'system', content: 'Be French.' }, { role: 'user', content: 'Hello' }], max_tokens: 12, temperature: 0.2 });
    expect(completion.choices[0]!.message.content).toBe('Bonjour le monde');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage!.completion_tokens).toBe(3);
    const sent = upstream.requests.at(-1)!.body as { messages: { role: string; content: string }[]; max_tokens: number; temperature: number };
    expect(sent.messages).toEqual([{ role: 'system', content: 'Be French.' }, { role: 'user', content: 'Hello' }]);
    expect(sent.max_tokens).toBe(12);
    expect(sent.temperature).toBe(0.2);
  });

  it('streams a chat with usage in the last chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Bonjour le monde');
    expect(usage?.completion_tokens).toBe(3);
  });

  it('returns embeddings from the upstream server', async () => {
    const result = await client.embeddings.create({ model: 'scripted', input: ['alpha', 'beta'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]!.embedding).toEqual(testEmbedding('alpha', 8).map((v) => expect.closeTo(v, 5)));
  });

  it('raises a 404 with code MODEL_NOT_FOUND for an unknown model', async () => {
    const error = await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('MODEL_NOT_FOUND');
  });

  it('answers an upstream that is down with a 502-class error before any stream starts', async () => {
    upstream.script.fault = (request) => (request.endpoint === 'chat' ? { type: 'http-error', status: 503, message: 'overloaded' } : undefined);
    try {
      const error = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    } finally {
      upstream.script.fault = undefined;
    }
  });
});
