import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { BENCH_MODEL, benchTokens, startTokenServer, type TokenServer } from './token-server.mjs';

describe('bench token server', () => {
  const tokens = 40;
  let server: TokenServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startTokenServer({ tokens, intervalMs: 1 });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'not-checked', maxRetries: 0 });
  });

  afterAll(async () => {
    await server.close();
  });

  it('lists the bench model', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual([BENCH_MODEL]);
  });

  it('streams every token in order as chat.completion.chunk objects, then usage', async () => {
    const stream = await client.chat.completions.create({
      model: BENCH_MODEL,
      messages: [{ role: 'user', content: 'tell me a story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finishReasons.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(benchTokens(tokens));
    expect(deltas.join('')).toContain('caf\u00e9');
    expect(deltas.join('')).toContain('\u{1F642}');
    expect(finishReasons).toEqual(['stop']);
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: tokens, total_tokens: tokens + 4 });
  });

  it('stops at max_tokens with finish_reason length, streamed or whole', async () => {
    const stream = await client.chat.completions.create({
      model: BENCH_MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(benchTokens(5).join(''));
    expect(finish).toBe('length');

    const whole = await client.chat.completions.create({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
    expect(whole.choices[0]?.message.content).toBe(text);
    expect(whole.choices[0]?.finish_reason).toBe('length');
    expect(whole.usage?.completion_tokens).toBe(5);
  });

  it('answers an unknown model with an OpenAI 404', async () => {
    const error = await client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });
});
