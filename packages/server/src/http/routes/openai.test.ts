import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { requestMessages, requestToolResults, requestTools, testEmbedding } from '../../llm/test-support/test-server-script.js';
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

describe('OpenAI-compatible tool calls with the official openai client', () => {
  const weatherTool: OpenAI.ChatCompletionTool = {
    type: 'function',
    function: { name: 'get_weather', description: 'The weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  };
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  let client: OpenAI;
  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({
      models: ['scripted'],
      // A model that calls get_weather for each city it is asked about, then answers from the results.
      chat: (request) => {
        const results = requestToolResults(request);
        if (results.length > 0) return { tokens: ['Weather: ', results.map((result) => result.content).join('; ')] };
        if (requestTools(request).length === 0) return { tokens: ['No tools.'] };
        const question = requestMessages(request).at(-1)?.content ?? '';
        const cities = question.match(/[A-Z][a-z]+/g)?.slice(1) ?? [];
        return { tokens: [], toolCalls: cities.map((city) => ({ name: 'get_weather', arguments: { city } })) };
      },
    });
    t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    client = new OpenAI({ baseURL: `${await t.listen()}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('passes the tools upstream and returns the calls with null content and finish_reason tool_calls', async () => {
    const completion = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }], tools: [weatherTool] });
    const [choice] = completion.choices;
    expect(choice!.finish_reason).toBe('tool_calls');
    expect(choice!.message.content).toBeNull();
    expect(choice!.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
    ]);
    expect(requestTools(upstream.requests.at(-1)!)).toEqual([{ name: 'get_weather', description: 'The weather in a city.', parameters: weatherTool.function.parameters }]);
  });

  it('takes the calls and their results back in history and answers from them', async () => {
    const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris?' };
    const first = await client.chat.completions.create({ model: 'scripted', messages: [question], tools: [weatherTool] });
    const assistant = first.choices[0]!.message;
    const call = assistant.tool_calls![0]!;
    const second = await client.chat.completions.create({
      model: 'scripted',
      tools: [weatherTool],
      messages: [question, assistant, { role: 'tool', tool_call_id: call.id, content: 'Paris: 18 °C' }],
    });
    expect(second.choices[0]!.message.content).toBe('Weather: Paris: 18 °C');
    expect(second.choices[0]!.finish_reason).toBe('stop');
    const sent = requestMessages(upstream.requests.at(-1)!);
    expect(sent[1]).toEqual({ role: 'assistant', content: '', toolCalls: [{ id: call.id, name: 'get_weather', arguments: { city: 'Paris' } }] });
    expect(sent[2]).toEqual({ role: 'tool', content: 'Paris: 18 °C', toolCallId: call.id });
  });

  it('streams the calls in chunks the client helper assembles into the same completion', async () => {
    const stream = client.chat.completions.stream({ model: 'scripted', messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }], tools: [weatherTool] });
    const completion = await stream.finalChatCompletion();
    const [choice] = completion.choices;
    expect(choice!.finish_reason).toBe('tool_calls');
    expect(choice!.message.tool_calls?.map((call) => [call.type, call.type === 'function' ? call.function.name : '', call.type === 'function' ? JSON.parse(call.function.arguments) : {}])).toEqual([
      ['function', 'get_weather', { city: 'Paris' }],
      ['function', 'get_weather', { city: 'Oslo' }],
    ]);
  });

  it('streams tool_calls deltas with an index, id and complete arguments', async () => {
    const stream = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], stream: true });
    const deltas: unknown[] = [];
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.delta.tool_calls) deltas.push(...choice.delta.tool_calls);
        if (choice.finish_reason) finishes.push(choice.finish_reason);
      }
    }
    expect(deltas).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    expect(finishes).toEqual(['tool_calls']);
  });

  it('withholds the tools for tool_choice none and refuses a forced call', async () => {
    const none = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], tool_choice: 'none' });
    expect(none.choices[0]!.message.content).toBe('No tools.');
    expect(upstream.requests.at(-1)!.body).not.toHaveProperty('tools');
    const error = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], tool_choice: 'required' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('tool_choice "required" is not supported');
  });

  it('rejects a tool message without tool_call_id and arguments that are not a JSON object', async () => {
    const noId = await client.chat.completions
      .create({ model: 'scripted', messages: [{ role: 'tool', content: 'x' } as OpenAI.ChatCompletionMessageParam] })
      .catch((e: unknown) => e);
    expect((noId as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((noId as InstanceType<typeof OpenAI.APIError>).message).toContain('messages[0] is a tool message without tool_call_id');
    const badArguments = await client.chat.completions
      .create({ model: 'scripted', messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city"' } }] }] })
      .catch((e: unknown) => e);
    expect((badArguments as InstanceType<typeof OpenAI.APIError>).message).toContain('messages[0].tool_calls[0].function.arguments is not a JSON object');
  });
});
