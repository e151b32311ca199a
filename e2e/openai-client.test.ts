/**
 * The official `openai` npm client (v6) against a real `sutazai serve` process at `<url>/v1`.
 */
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, startServer, stopAllServers, testModelName, type ServerProcess, type Workspace } from './support/server-process.js';

let workspace: Workspace;
let server: ServerProcess;
let client: OpenAI;

beforeAll(async () => {
  workspace = await makeWorkspace({ realModel: true });
  server = await startServer({ env: { ...workspace.env, LLAMA_CONTEXT_SIZE: '512' } });
  // No retries: an error must show up as it is, and quickly.
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed-locally', maxRetries: 0, timeout: 20_000 });
});

afterAll(async () => {
  await server?.stop('SIGTERM');
  await stopAllServers();
  workspace?.remove();
});

async function expectModelNotFound(call: () => Promise<unknown>): Promise<APIError> {
  const error = await call().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(APIError);
  const apiError = error as APIError;
  expect(apiError.status).toBe(404);
  expect(apiError.code).toBe('MODEL_NOT_FOUND');
  expect(apiError.type).toBe('not_found_error');
  expect(apiError.message).toContain('No provider serves the model "no-such-model"');
  expect(apiError.headers?.get('x-request-id')).toBeTruthy();
  return apiError;
}

describe('openai client against SutazAI', () => {
  it('models.list() contains the real model', async () => {
    const models: OpenAI.Model[] = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((m) => m.id)).toContain(testModelName);
    expect(models.find((m) => m.id === testModelName)).toMatchObject({ object: 'model', owned_by: 'llama-cpp' });
  });

  it('chat.completions.create (non-streaming) returns text and usage', async () => {
    const completion = await client.chat.completions.create({
      model: testModelName,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      max_tokens: 40,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe(testModelName);
    expect(completion.choices).toHaveLength(1);
    const [choice] = completion.choices;
    expect(choice!.message.role).toBe('assistant');
    expect(choice!.message.content?.trim().length).toBeGreaterThan(5);
    expect(['stop', 'length']).toContain(choice!.finish_reason);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(40);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  });

  it('chat.completions.create with stream: true streams text chunks, a finish reason and usage', async () => {
    const stream = await client.chat.completions.create({
      model: testModelName,
      messages: [{ role: 'system', content: 'You tell short stories.' }, { role: 'user', content: 'Tell me a story' }],
      max_tokens: 40,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let contentChunks = 0;
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      for (const choice of chunk.choices) {
        if (choice.delta.content) {
          text += choice.delta.content;
          contentChunks++;
        }
        if (choice.finish_reason) finishReasons.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.trim().length).toBeGreaterThan(5);
    expect(contentChunks).toBeGreaterThan(1);
    expect(finishReasons).toHaveLength(1);
    expect(['stop', 'length']).toContain(finishReasons[0]);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeLessThanOrEqual(40);
  });

  it('an unknown model raises a 404 APIError with code MODEL_NOT_FOUND (non-streaming and streaming)', async () => {
    await expectModelNotFound(() => client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }));
    await expectModelNotFound(async () => {
      const stream = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }], stream: true });
      for await (const _chunk of stream) {
        // never reached: the error comes as the HTTP status before any chunk
      }
    });
  });
});
