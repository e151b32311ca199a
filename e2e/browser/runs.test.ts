/**
 * Background runs in Chromium against a real `sutazai serve` process: "Run in background" on
 * an agent's page, the run's live events (tool call, text) until it succeeds, the Runs page,
 * Cancel, and a run on the real tiny model. Agents that call tools use a scripted
 * OpenAI-compatible server (the tiny model cannot); the calculator is SutazAI's real one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import { requestMessages, type ScriptedReply } from '../../packages/server/src/llm/test-support/test-server-script.js';
import { makeWorkspace, startServer, stopAllServers, testModelName, type ServerProcess, type Workspace } from '../support/server-process.js';
import { bodyText, closeBrowser, launchBrowserOrError, screenshot } from './support/browser.js';
import { usePageSession } from './support/page-session.js';

const SCRIPTED = 'scripted';
const PIRATE = 'You are a pirate who counts with the calculator.';
const SLOW = 'You write very long answers.';

let workspace: Workspace;
let upstream: OpenAICompatibleTestServer;
let server: ServerProcess;
let browser: Browser | Error;

/** The pirate calls the calculator once, then answers with its result; the slow writer takes 20 s. */
function scriptedModel(request: Parameters<typeof requestMessages>[0]): ScriptedReply {
  const messages = requestMessages(request);
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  if (system.includes(SLOW)) return { tokens: Array.from({ length: 200 }, (_, i) => `word${i} `), delayMs: 100 };
  if (!system.includes(PIRATE)) return { tokens: ['Hello.'] };
  const result = messages.filter((m) => m.role === 'tool').at(-1);
  if (!result) return { tokens: [], toolCalls: [{ id: 'call_pirate', name: 'calculator', arguments: { expression: '6 * 7' } }], delayMs: 300 };
  return { tokens: ['Arr, ', 'it be ', /\b(42)\b/.exec(result.content)?.[1] ?? '?', '.'], delayMs: 200 };
}

async function createAgent(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.url}/api/v1/agents/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`creating the agent answered ${response.status}: ${await response.text()}`);
}

const pages = usePageSession(() => browser, () => server);

beforeAll(async () => {
  [browser, workspace, upstream] = await Promise.all([
    launchBrowserOrError(),
    makeWorkspace({ realModel: true }),
    startOpenAICompatibleTestServer({ models: [SCRIPTED], chat: scriptedModel }),
  ]);
  server = await startServer({ env: { ...workspace.env, OPENAI_BASE_URL: upstream.baseURL, DEFAULT_MODEL: testModelName, LLAMA_CONTEXT_SIZE: '256' } });
  await createAgent({ id: 'pirate-math', name: 'Pirate Math', system_prompt: PIRATE, model: SCRIPTED, tools: ['calculator'], limits: { max_steps: 3 } });
  await createAgent({ id: 'slow-writer', name: 'Slow writer', system_prompt: SLOW, model: SCRIPTED, tools: [] });
  await createAgent({ id: 'storyteller', name: 'Storyteller', system_prompt: 'Tell a short story.', model: testModelName, tools: [], limits: { max_tokens: 40 } });
});

afterAll(async () => {
  await pages.close();
  await closeBrowser(browser);
  await stopAllServers();
  await upstream?.close();
  workspace?.remove();
});

const open = (path: string): Promise<Page> => pages.open(path);

/** Starts a run from the agent's page and waits for its page; returns the run id. */
async function startRun(page: Page, agentId: string, input: string): Promise<string> {
  await page.goto(`/agents/${agentId}`);
  await page.getByTestId('run-input-field').fill(input);
  await page.getByTestId('run-start').click();
  await page.getByTestId('run-page').waitFor();
  const id = await page.getByTestId('run-page').getAttribute('data-run-id');
  expect(new URL(page.url()).pathname).toBe(`/runs/${id}`);
  return id!;
}

const runStatus = (page: Page) => page.getByTestId('run-page').getAttribute('data-status');

// Generous per-test bounds: the real model shares two cores with everything else.
describe('background runs in the browser', () => {
  test("starts a run from an agent's page and follows its tool call and answer live until it succeeds", async () => {
    const page = await open('/agents/pirate-math');
    await page.getByTestId('run-in-background').waitFor();
    await screenshot(page, 'agent-run-in-background');
    const runId = await startRun(page, 'pirate-math', 'What is 6 times 7?');
    expect(await page.getByTestId('run-input').innerText()).toBe('What is 6 times 7?');

    // Live: the tool call shows while the run is still going.
    const call = page.getByTestId('tool-call');
    await call.waitFor({ timeout: 20_000 });
    expect(await call.getAttribute('data-tool')).toBe('calculator');
    await expect.poll(() => runStatus(page), { timeout: 30_000 }).toBe('succeeded');
    expect(await call.getAttribute('data-state')).toBe('done');
    await call.locator('summary').click();
    expect(await call.getByTestId('tool-result').innerText()).toBe('42');
    const reply = page.getByTestId('run-reply').getByTestId('message');
    expect(await bodyText(reply)).toBe('Arr, it be 42.');
    expect(await page.getByTestId('run-cancel').count()).toBe(0);
    await screenshot(page, 'run-succeeded');

    const stored = await (await page.request.get(`/api/v1/runs/${runId}`)).json() as { status: string; result: string };
    expect(stored).toMatchObject({ status: 'succeeded', result: 'Arr, it be 42.' });

    // The Runs page lists it; opening it again replays its events.
    await page.getByTestId('nav-runs').click();
    const item = page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-status')).toBe('succeeded');
    expect(await item.innerText()).toContain('Pirate Math');
    await screenshot(page, 'runs');
    await item.locator('a').click();
    await expect.poll(() => bodyText(page.getByTestId('run-reply').getByTestId('message')), { timeout: 10_000 }).toBe('Arr, it be 42.');
    expect(await page.getByTestId('tool-call').getAttribute('data-state')).toBe('done');
  }, 90_000);

  test('cancels a running run; what it wrote is kept', async () => {
    const page = await open('/');
    const runId = await startRun(page, 'slow-writer', 'Write a lot.');
    const reply = page.getByTestId('run-reply').getByTestId('message');
    await expect.poll(async () => (await reply.count()) > 0 && (await bodyText(reply)).includes('word3'), { timeout: 20_000 }).toBe(true);
    expect(await runStatus(page)).toBe('running');
    await page.getByTestId('run-cancel').click();
    await expect.poll(() => runStatus(page), { timeout: 15_000 }).toBe('cancelled');
    expect(await page.getByTestId('run-cancel').count()).toBe(0);
    const kept = await bodyText(reply);
    expect(kept).toMatch(/^word0 word1 word2 word3/);
    expect(kept).not.toContain('word199');
    await screenshot(page, 'run-cancelled');
    const stored = await (await page.request.get(`/api/v1/runs/${runId}`)).json() as { status: string };
    expect(stored.status).toBe('cancelled');
  }, 90_000);

  test('a run on the real tiny model finishes, and its page shows what it wrote', async () => {
    const page = await open('/');
    const runId = await startRun(page, 'storyteller', 'Once upon a time');
    await expect.poll(() => runStatus(page), { timeout: 60_000 }).toBe('succeeded');
    const stored = await (await page.request.get(`/api/v1/runs/${runId}`)).json() as { result: string };
    expect(stored.result.length).toBeGreaterThan(0);
    const reply = page.getByTestId('run-reply').getByTestId('message');
    await expect.poll(() => reply.getAttribute('data-status')).toBe('complete');
    expect((await reply.locator('.message-body').innerText()).replace(/\s+/g, ' ').trim()).toBe(stored.result.replace(/\s+/g, ' ').trim());
  }, 90_000);
});
