/**
 * The CLI against a real `sutazai serve` process with the real tiny model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getConversation, makeWorkspace, runCli, startServer, stopAllServers, testModelName, type CliResult, type ServerProcess, type Workspace } from './support/server-process.js';

let workspace: Workspace;
let server: ServerProcess;
let nowhere: string;
const session = 'e2e-cli-chat';
/**
 * The commands run concurrently from beforeAll (each costs ~1.5 s of Node start-up on this
 * 2-core machine; vitest runs the e2e files one at a time here), and the tests read their results.
 */
const runs = {} as Record<'chat' | 'models' | 'unknownModel' | 'chatNowhere' | 'modelsNowhere' | 'chatNowhereViaEnv', Promise<CliResult>>;

beforeAll(async () => {
  workspace = await makeWorkspace({ realModel: true });
  nowhere = `http://127.0.0.1:${await freePort()}`;
  runs.chatNowhere = runCli(['chat', 'hello', '--url', nowhere]);
  runs.modelsNowhere = runCli(['models', 'list', '--url', nowhere]);
  runs.chatNowhereViaEnv = runCli(['chat', 'hello'], { env: { SUTAZAI_URL: nowhere } });
  // `chat` has no --max-tokens: a reply runs to the context size, so a small context keeps it short.
  server = await startServer({ env: { ...workspace.env, LLAMA_CONTEXT_SIZE: '256' } });
  runs.chat = runCli(['chat', 'Once upon a time', '--url', server.url, '--session', session], { timeoutMs: 30_000 });
  runs.models = runCli(['models', 'list', '--url', `${server.url}/`]);
  runs.unknownModel = runCli(['chat', 'hello', '--url', server.url, '--model', 'no-such-model']);
});

afterAll(async () => {
  await server?.stop('SIGTERM');
  await stopAllServers();
  workspace?.remove();
});

describe('sutazai CLI against a running server', () => {
  it('`chat "Once upon a time" --url` prints the streamed reply, stored as complete, and exits 0', async () => {
    const result = await runs.chat;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().length).toBeGreaterThan(20);
    expect(result.stdout.endsWith('\n')).toBe(true);

    // What was printed is exactly the reply the server stored.
    const conversation = await getConversation(server.url, session);
    expect(conversation.messages.map((m) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'complete']]);
    expect(conversation.messages[0]!.content).toBe('Once upon a time');
    expect(result.stdout).toBe(`${conversation.messages[1]!.content}\n`);
  });

  it('`models list --url` shows the real model as the default', async () => {
    const result = await runs.models;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${testModelName}\\s+llama-cpp \\(default\\)$`, 'm'));
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('`chat --model` with a model nobody serves exits non-zero with MODEL_NOT_FOUND and the available models', async () => {
    const result = await runs.unknownModel;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('MODEL_NOT_FOUND: No provider serves the model "no-such-model".');
    expect(result.stderr).toContain(`Hint: Available models: ${testModelName}.`);
  });

  it('`chat` and `models list` where nothing listens exit non-zero saying SutazAI cannot be reached there', async () => {
    const results = await Promise.all([runs.chatNowhere, runs.modelsNowhere, runs.chatNowhereViaEnv]);
    for (const result of results) {
      expect(result.signal).toBeNull();
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`Cannot reach SutazAI at ${nowhere} (ECONNREFUSED).`);
      expect(result.stderr).toContain('sutazai serve');
      expect(result.stderr).toContain('--url');
      // A message, not a stack trace.
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
