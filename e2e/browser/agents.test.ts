/**
 * Agents in Chromium against a real `sutazai serve` process: create an agent in the UI, chat
 * with it, and watch its tool call and result in the reply (live and after a reload); built-in
 * agents are read-only and duplicated into an editable copy. The model is a scripted
 * OpenAI-compatible server, because the tiny real model cannot call tools; the calculator
 * tool itself is SutazAI's real one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import { requestMessages, type ScriptedReply } from '../../packages/server/src/llm/test-support/test-server-script.js';
import { makeWorkspace, startServer, stopAllServers, type ServerProcess, type Workspace } from '../support/server-process.js';
import { bodyText, closeBrowser, launchBrowserOrError, message, screenshot, sendMessage } from './support/browser.js';
import { usePageSession } from './support/page-session.js';

const SCRIPTED = 'scripted';
const PROMPT = 'You are a pirate who counts with the calculator.';

let workspace: Workspace;
let upstream: OpenAICompatibleTestServer;
let server: ServerProcess;
let browser: Browser | Error;

/** The pirate calls the calculator once, then answers with its result; anyone else says hello. */
function scriptedModel(request: Parameters<typeof requestMessages>[0]): ScriptedReply {
  const messages = requestMessages(request);
  if (!messages.some((m) => m.role === 'system' && m.content.includes(PROMPT))) return { tokens: ['Hello.'] };
  const result = messages.filter((m) => m.role === 'tool').at(-1);
  if (!result) return { tokens: [], toolCalls: [{ id: 'call_pirate', name: 'calculator', arguments: { expression: '6 * 7' } }] };
  return { tokens: ['Arr, ', 'it be ', /\b(42)\b/.exec(result.content)?.[1] ?? '?', '.'] };
}

const pages = usePageSession(() => browser, () => server);

beforeAll(async () => {
  [browser, workspace, upstream] = await Promise.all([
    launchBrowserOrError(),
    makeWorkspace({ realModel: false }),
    startOpenAICompatibleTestServer({ models: [SCRIPTED], chat: scriptedModel }),
  ]);
  server = await startServer({ env: { ...workspace.env, OPENAI_BASE_URL: upstream.baseURL } });
});

afterAll(async () => {
  await pages.close();
  await closeBrowser(browser);
  await stopAllServers();
  await upstream?.close();
  workspace?.remove();
});

const open = (path: string): Promise<Page> => pages.open(path);

const agentItem = (page: Page, id: string) => page.locator(`[data-testid="agent-item"][data-agent-id="${id}"]`);

describe('agents in the browser', () => {
  test('creates an agent with a tool, chats with it, and shows the tool call and result in the reply', async () => {
    const page = await open('/agents');
    await agentItem(page, 'jarvis').waitFor();
    expect(await agentItem(page, 'jarvis').getByTestId('agent-builtin').count()).toBe(1);

    await page.getByTestId('agent-new').click();
    await page.getByTestId('agent-name').fill('Pirate Math');
    await page.getByTestId('agent-description').fill('Counts like a pirate');
    await page.getByTestId('agent-system-prompt').fill(PROMPT);
    await page.getByTestId('agent-model').locator(`option[value="${SCRIPTED}"]`).waitFor({ state: 'attached' });
    await page.getByTestId('agent-model').selectOption(SCRIPTED);
    await page.getByTestId('agent-tool-calculator').check();
    await page.getByTestId('agent-max-steps').fill('3');
    await screenshot(page, 'agent-form');
    await page.getByTestId('agent-save').click();
    await agentItem(page, 'pirate-math').waitFor();
    expect(await agentItem(page, 'pirate-math').getAttribute('data-builtin')).toBe('false');
    expect(await agentItem(page, 'pirate-math').innerText()).toContain(`${SCRIPTED} · tools: calculator`);
    await screenshot(page, 'agents');

    await agentItem(page, 'pirate-math').getByTestId('agent-chat').click();
    await page.getByTestId('message-input').waitFor();
    expect(await page.getByTestId('agent-picker').inputValue()).toBe('pirate-math');
    await sendMessage(page, 'What is 6 times 7?');
    const reply = message(page, 'assistant');
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 20_000 }).toBe('complete');
    expect(await bodyText(reply)).toBe('Arr, it be 42.');
    const call = reply.getByTestId('tool-call');
    expect(await call.getAttribute('data-tool')).toBe('calculator');
    expect(await call.getAttribute('data-state')).toBe('done');
    expect(await call.getByTestId('tool-result').isVisible()).toBe(false);
    await call.locator('summary').click();
    expect(await call.getByTestId('tool-result').innerText()).toBe('42');
    expect(JSON.parse(await call.getByTestId('tool-arguments').innerText())).toEqual({ expression: '6 * 7' });
    await screenshot(page, 'chat-tool-call');

    // What the model was sent: the agent's prompt and its one tool.
    const first = upstream.requests.find((r) => r.endpoint === 'chat' && JSON.stringify(r.body).includes(PROMPT));
    expect((first?.body as { model?: string; tools?: { function: { name: string } }[] }).model).toBe(SCRIPTED);
    expect((first?.body as { tools?: { function: { name: string } }[] }).tools?.map((t) => t.function.name)).toEqual(['calculator']);

    // Stored with the reply: a reload shows the call again.
    await page.reload();
    const stored = message(page, 'assistant').getByTestId('tool-call');
    await stored.waitFor();
    expect(await stored.getAttribute('data-state')).toBe('done');
    expect(await bodyText(message(page, 'assistant'))).toBe('Arr, it be 42.');
  });

  test('shows a built-in agent read-only, duplicates it, and deletes the copy after confirming', async () => {
    const page = await open('/agents/math');
    await page.getByTestId('agent-read-only').waitFor();
    expect(await page.getByTestId('agent-name').isDisabled()).toBe(true);
    expect(await page.getByTestId('agent-save').count()).toBe(0);
    await page.getByTestId('agent-form-duplicate').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/agents/math-copy');
    await expect.poll(() => page.getByTestId('agent-name').inputValue()).toBe('Math (copy)');
    expect(await page.getByTestId('agent-name').isDisabled()).toBe(false);
    expect(await page.getByTestId('agent-tool-calculator').isChecked()).toBe(true);

    await page.getByTestId('agent-name').fill('Math, mine');
    await page.getByTestId('agent-save').click();
    await agentItem(page, 'math-copy').waitFor();
    await expect.poll(() => agentItem(page, 'math-copy').innerText()).toContain('Math, mine');

    await agentItem(page, 'math-copy').getByTestId('agent-delete').click();
    expect(await agentItem(page, 'math-copy').count()).toBe(1);
    await agentItem(page, 'math-copy').getByTestId('agent-delete-confirm').click();
    await expect.poll(() => agentItem(page, 'math-copy').count()).toBe(0);
    const gone = await page.request.get('/api/v1/agents/math-copy');
    expect(gone.status()).toBe(404);
  });
});
