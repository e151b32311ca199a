import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest, ChatStreamPart, Provider, ToolDefinition } from '../provider.js';
import { ProviderError } from '../provider.js';
import { createLlamaCppProvider } from './llama-cpp-provider.js';

const repositoryRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const defaultModelPath = resolve(repositoryRoot, '../shared/models/stories260K.gguf');
const modelPath = process.env.SUTAZAI_TEST_MODEL ? resolve(repositoryRoot, process.env.SUTAZAI_TEST_MODEL) : defaultModelPath;
const usingDefaultModel = modelPath === defaultModelPath;
const modelName = 'test-model';

interface Collected {
  text: string;
  deltas: string[];
  parts: ChatStreamPart[];
}

async function collect(provider: Provider, request: ChatRequest): Promise<Collected> {
  const parts: ChatStreamPart[] = [];
  for await (const part of provider.streamChat(request)) parts.push(part);
  const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
  return { text: deltas.join(''), deltas, parts };
}

function finishOf(collected: Collected): Extract<ChatStreamPart, { type: 'finish' }> {
  const last = collected.parts.at(-1);
  if (last?.type !== 'finish') throw new Error(`stream did not end with a finish part: ${JSON.stringify(last)}`);
  expect(collected.parts.filter((part) => part.type === 'finish')).toHaveLength(1);
  return last;
}

function story(prompt: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: modelName, messages: [{ role: 'user', content: prompt }], temperature: 0, maxTokens: 40, ...extra };
}

let scratch: string;
let modelsDir: string;
let provider: Provider;
/** The raw grammar-constrained replies, from the provider's debug log. */
const constrainedReplies: string[] = [];
const recordingLogger = {
  debug(bindings: object, message: string) {
    if (message === 'constrained tool reply') constrainedReplies.push(String((bindings as { reply: unknown }).reply));
  },
  info() {},
  warn() {},
};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'llama-cpp-provider-'));
  modelsDir = join(scratch, 'models');
  await mkdir(modelsDir);
  // A link, never a copy: model files stay out of the repository and temp space.
  await symlink(modelPath, join(modelsDir, `${modelName}.gguf`));
  await writeFile(join(modelsDir, 'notes.txt'), 'not a model');
  provider = createLlamaCppProvider({ modelsDir, contextSize: 512, logger: recordingLogger });
});

afterAll(async () => {
  await provider?.close?.();
  await rm(scratch, { recursive: true, force: true });
});

describe('llama-cpp provider', () => {
  it('probes without loading the engine and declares its capabilities', async () => {
    const probe = await provider.probe();
    expect(probe.status).toBe('healthy');
    expect(probe.detail).toBe(`1 GGUF model in ${modelsDir} (engine not loaded yet)`);
    expect(provider.kind).toBe('llama-cpp');
    expect(provider.capabilities).toEqual({ chat: true, streaming: true, toolCalls: true, embeddings: true, modelList: true, modelPull: false });
  });

  it('lists the GGUF files in the models directory by file name', async () => {
    const models = await provider.listModels();
    expect(models).toHaveLength(1);
    expect(models[0]?.name).toBe(modelName);
    expect(models[0]?.details?.sizeBytes).toBeGreaterThan(0);
    if (usingDefaultModel) expect(models[0]?.details?.sizeBytes).toBe(1_185_376);
  });

  it('generates deterministically with temperature 0 and reports real token counts', async () => {
    const started = performance.now();
    const first = await collect(provider, story('Once upon a time'));
    const firstMs = performance.now() - started;
    const second = await collect(provider, story('Once upon a time'));
    const finish = finishOf(first);

    expect(first.text.length).toBeGreaterThan(0);
    expect(first.deltas.length).toBeGreaterThan(1);
    expect(second.text).toBe(first.text);
    expect(finishOf(second).usage).toEqual(finish.usage);
    expect(finish.usage?.promptTokens).toBeGreaterThan(4);
    expect(finish.usage?.completionTokens).toBeGreaterThan(0);
    expect(finish.usage?.completionTokens).toBeLessThanOrEqual(40);
    // Includes the engine start and the model load of the first request.
    expect(firstMs).toBeLessThan(10_000);
  });

  it('continues an assistant prefill the way the model card describes', async () => {
    const result = await collect(provider, {
      model: modelName,
      messages: [
        { role: 'user', content: 'Tell me a story' },
        { role: 'assistant', content: 'Once upon a time' },
      ],
      temperature: 0,
      maxTokens: 12,
    });
    if (usingDefaultModel) expect(result.text).toMatch(/^, there was a little girl named Lily\./);
    else expect(result.text.length).toBeGreaterThan(0);
  });

  it('respects maxTokens and reports the length finish reason', async () => {
    const result = await collect(provider, story('Once upon a time', { maxTokens: 5 }));
    const finish = finishOf(result);
    expect(finish.finishReason).toBe('length');
    expect(finish.usage?.completionTokens).toBeGreaterThan(0);
    expect(finish.usage?.completionTokens).toBeLessThanOrEqual(5);
  });

  it('stops at a stop sequence without emitting it', async () => {
    const unstopped = await collect(provider, story('Once upon a time'));
    const words = unstopped.text.trim().split(/\s+/);
    const stopWord = words[Math.min(2, words.length - 1)] ?? '';
    expect(stopWord.length).toBeGreaterThan(0);

    const stopped = await collect(provider, story('Once upon a time', { stop: [stopWord] }));
    expect(finishOf(stopped).finishReason).toBe('stop');
    expect(stopped.text).not.toContain(stopWord);
    expect(unstopped.text.startsWith(stopped.text)).toBe(true);
  });

  it('gives the same sampled text for the same seed', async () => {
    const request = story('Once upon a time', { temperature: 0.9, seed: 7, maxTokens: 20 });
    const first = await collect(provider, request);
    const second = await collect(provider, request);
    expect(second.text).toBe(first.text);
  });

  it('stops early with an aborted error when the request signal aborts', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const run = async (): Promise<void> => {
      for await (const part of provider.streamChat(story('Once upon a time', { maxTokens: 1500, signal: controller.signal }))) {
        if (part.type === 'text-delta') deltas.push(part.text);
        if (deltas.length === 3) controller.abort();
      }
    };
    const started = performance.now();
    const error = await run().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'aborted', provider: 'llama-cpp' });
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    // 1500 tokens take about 3 s here; an abort that works ends far sooner.
    expect(deltas.length).toBeLessThan(100);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(provider, story('Once upon a time', { signal: controller.signal }))).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('stops generating when the consumer breaks out of the loop and serves the next request', async () => {
    const started = performance.now();
    let seen = 0;
    for await (const part of provider.streamChat(story('Once upon a time', { maxTokens: 1500 }))) {
      if (part.type === 'text-delta') seen += 1;
      if (seen === 3) break;
    }
    // Requests to one model take turns, so this would wait out the abandoned 1500-token
    // generation (about 3 s) if breaking had not stopped it.
    const next = await collect(provider, story('Once upon a time', { maxTokens: 10 }));
    expect(finishOf(next).finishReason).toBe('length');
    expect(next.text.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('answers two concurrent requests exactly as it answers them one by one', async () => {
    const first = story('Once upon a time');
    const second = story('The dog ran to the park', { maxTokens: 30 });
    const sequential = [await collect(provider, first), await collect(provider, second)];
    const concurrent = await Promise.all([collect(provider, first), collect(provider, second)]);
    expect(concurrent.map((result) => result.text)).toEqual(sequential.map((result) => result.text));
    expect(concurrent.map((result) => finishOf(result).usage)).toEqual(sequential.map((result) => finishOf(result).usage));
    expect(concurrent[0]?.text).not.toBe(concurrent[1]?.text);
  });

  it('reports an unknown model as model-not-found', async () => {
    await expect(collect(provider, { ...story('hi'), model: 'no-such-model' })).rejects.toMatchObject({ kind: 'model-not-found' });
    await expect(provider.embed?.({ model: 'no-such-model', input: ['hi'] })).rejects.toMatchObject({ kind: 'model-not-found' });
    await expect(collect(provider, { ...story('hi'), model: '../models/test-model' })).rejects.toMatchObject({ kind: 'model-not-found' });
  });

  it('embeds text into 64-dimension vectors, equal for equal input', async () => {
    const result = await provider.embed?.({ model: modelName, input: ['a little girl', 'a big dog', 'a little girl'] });
    expect(result?.embeddings).toHaveLength(3);
    const [first, second, third] = result?.embeddings ?? [];
    if (usingDefaultModel) expect(first).toHaveLength(64);
    expect(first?.length).toBeGreaterThan(0);
    expect(first?.every(Number.isFinite)).toBe(true);
    expect(third).toEqual(first);
    expect(second).not.toEqual(first);
    expect(result?.usage?.promptTokens).toBeGreaterThan(3);
  });

  it('adds the loaded model facts to the listing and the probe', async () => {
    const [model] = await provider.listModels();
    expect(model?.details).toMatchObject({ loaded: true, contextLength: expect.any(Number) });
    if (usingDefaultModel) expect(model?.details?.architecture).toBe('llama');
    expect((await provider.probe()).detail).toBe(`1 GGUF model in ${modelsDir} (loaded: ${modelName})`);
  });

  describe('tool calls through the JSON-constrained fallback', () => {
    const tools: ToolDefinition[] = [
      {
        name: 'get_weather',
        description: 'The weather in a city.',
        parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
      },
      { name: 'get_time', description: 'The time in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    ];
    const question = { role: 'user' as const, content: 'What is the weather in Paris?' };

    /** The reply schema, checked by hand so the check does not trust the grammar it tests. */
    function expectValidReply(raw: string): { tool?: string; arguments?: Record<string, unknown>; answer?: string } {
      const reply = JSON.parse(raw) as Record<string, unknown>;
      if ('answer' in reply) {
        expect(Object.keys(reply)).toEqual(['answer']);
        expect(typeof reply.answer).toBe('string');
        return reply;
      }
      expect(Object.keys(reply)).toEqual(['tool', 'arguments']);
      const args = reply.arguments as Record<string, unknown>;
      if (reply.tool === 'get_weather') {
        expect(Object.keys(args)).toEqual(['city', 'days']);
        expect(typeof args.city).toBe('string');
        expect(args.days === null || Number.isInteger(args.days)).toBe(true);
      } else {
        expect(reply.tool).toBe('get_time');
        expect(Object.keys(args)).toEqual(['city']);
        expect(typeof args.city).toBe('string');
      }
      return reply;
    }

    async function constrained(request: ChatRequest): Promise<{ result: Collected; raw: string }> {
      const before = constrainedReplies.length;
      const result = await collect(provider, request);
      expect(constrainedReplies).toHaveLength(before + 1);
      return { result, raw: constrainedReplies.at(-1) as string };
    }

    it('streams an answer reply as text when the model answers', async () => {
      const { result, raw } = await constrained({ model: modelName, messages: [question], tools, temperature: 0, maxTokens: 200 });
      const reply = expectValidReply(raw);
      if (usingDefaultModel) expect(reply.answer).toBeDefined();
      if (reply.answer !== undefined) {
        expect(result.text).toBe(reply.answer);
        expect(finishOf(result).finishReason).toBe('stop');
      }
    });

    it('yields a tool call, with optional nulls dropped, when the model calls a tool', async () => {
      // A seed under which the tiny story model happens to pick a tool: nonsense, but valid nonsense.
      const { result, raw } = await constrained({ model: modelName, messages: [question], tools, temperature: 1.5, seed: 24, maxTokens: 200 });
      const reply = expectValidReply(raw);
      if (usingDefaultModel) expect(reply.tool).toBe('get_weather');
      if (reply.tool !== undefined) {
        const expected = Object.fromEntries(Object.entries(reply.arguments ?? {}).filter(([key, value]) => !(key === 'days' && value === null)));
        expect(result.parts.slice(0, -1)).toEqual([{ type: 'tool-call', id: expect.stringMatching(/^call_[0-9a-f]{8}_0$/), name: reply.tool, arguments: expected }]);
        expect(finishOf(result).finishReason).toBe('tool-calls');
      }
    });

    it('replies with valid JSON again after a tool result in the history', async () => {
      const { raw } = await constrained({
        model: modelName,
        messages: [
          question,
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
          { role: 'tool', content: 'Sunny, 21 °C', toolCallId: 'call_1', toolName: 'get_weather' },
        ],
        tools,
        temperature: 0,
        maxTokens: 200,
      });
      expectValidReply(raw);
    });

    it('builds grammars for schemas beyond the grammar subset', async () => {
      const rich: ToolDefinition = {
        name: 'search',
        description: 'Search notes.',
        parameters: {
          type: 'object',
          $defs: { range: { type: 'object', properties: { from: { type: 'string', format: 'date' } }, required: ['from'] } },
          properties: {
            query: { anyOf: [{ type: 'string' }, { type: 'null' }] },
            tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
            range: { $ref: '#/$defs/range' },
            filters: { type: 'object' },
          },
          required: ['query'],
        },
      };
      const { raw } = await constrained({ model: modelName, messages: [question], tools: [rich], temperature: 0, maxTokens: 200 });
      expect(() => JSON.parse(raw) as unknown).not.toThrow();
    });
  });

  // Last in this block on purpose: it closes the shared provider. It does not use a second
  // provider because a second node-llama-cpp engine in one process takes over native logging.
  it('aborts a running generation on close, then refuses work', async () => {
    const stream = provider.streamChat(story('Once upon a time', { maxTokens: 1500 }));
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'text-delta' });
    const started = performance.now();
    await provider.close?.();
    expect(performance.now() - started).toBeLessThan(1_500);
    const drain = async (): Promise<void> => {
      for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
        expect(step.value.type).toBe('text-delta');
      }
    };
    await expect(drain()).rejects.toMatchObject({ kind: 'aborted' });
    expect((await provider.probe()).status).toBe('down');
    await expect(collect(provider, story('Once upon a time'))).rejects.toMatchObject({ kind: 'unreachable' });
    await expect(provider.listModels()).resolves.toHaveLength(1);
  });
});

describe('llama-cpp provider without usable models', () => {
  it('is disabled with a hint when the directory has no GGUF file', async () => {
    const empty = await mkdtemp(join(scratch, 'empty-'));
    const emptyProvider = createLlamaCppProvider({ modelsDir: empty });
    const probe = await emptyProvider.probe();
    expect(probe).toMatchObject({ status: 'disabled', hint: 'put a .gguf file in MODELS_DIR' });
    expect(await emptyProvider.listModels()).toEqual([]);
    await emptyProvider.close?.();
  });

  it('treats a missing directory as disabled (nothing configured yet), not as an outage', async () => {
    const missingProvider = createLlamaCppProvider({ modelsDir: join(scratch, 'missing') });
    expect(await missingProvider.probe()).toMatchObject({ status: 'disabled', hint: 'create MODELS_DIR and put a .gguf file in it' });
    expect(await missingProvider.listModels()).toEqual([]);
    await expect(collect(missingProvider, story('hi'))).rejects.toMatchObject({ kind: 'model-not-found' });
  });

  it('is down when the path cannot be read as a directory', async () => {
    const file = join(scratch, 'a-file');
    await writeFile(file, 'x');
    const brokenProvider = createLlamaCppProvider({ modelsDir: file });
    const probe = await brokenProvider.probe();
    expect(probe.status).toBe('down');
    expect(probe.detail).toContain('ENOTDIR');
    await expect(brokenProvider.listModels()).rejects.toMatchObject({ kind: 'unreachable' });
  });
});
