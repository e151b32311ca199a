/**
 * The web UI in Chromium against a real `sutazai serve` process: the real tiny model
 * (stories260K, embedded) and a scripted OpenAI-compatible server (`scripted`) side by side.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import type { ScriptedReply } from '../../packages/server/src/llm/test-support/test-server-script.js';
import { getConversation, makeWorkspace, sleep, startServer, stopAllServers, testModelName, type ServerProcess, type Workspace } from '../support/server-process.js';
import { bodyText, closeBrowser, launchBrowserOrError, message, pickModel, screenshot, sendMessage, startLeakServer } from './support/browser.js';
import { usePageSession } from './support/page-session.js';

const SCRIPTED = 'scripted';
/** 200 numbered tokens, 30 ms apart (6 s): long enough to stop in the middle. */
const SLOW_TOKENS = Array.from({ length: 200 }, (_, i) => `w${i} `);
const KNOWN_REPLY = 'Scripted answer: the quick brown fox jumps over the lazy dog.';

let workspace: Workspace;
let upstream: OpenAICompatibleTestServer;
let leak: Awaited<ReturnType<typeof startLeakServer>>;
let server: ServerProcess;
let browser: Browser | Error;
/** What the scripted model answers next; set by each test. */
let nextReply: ScriptedReply = { tokens: [KNOWN_REPLY] };

const pages = usePageSession(() => browser, () => server);

beforeAll(async () => {
  [browser, workspace, upstream, leak] = await Promise.all([
    launchBrowserOrError(),
    makeWorkspace({ realModel: true }),
    startOpenAICompatibleTestServer({ models: [SCRIPTED], chat: () => nextReply }),
    startLeakServer(),
  ]);
  // A small context keeps the real model's stories short (it writes until the context is full).
  server = await startServer({ env: { ...workspace.env, OPENAI_BASE_URL: upstream.baseURL, LLAMA_CONTEXT_SIZE: '256' } });
});

afterAll(async () => {
  await pages.close();
  await closeBrowser(browser);
  await stopAllServers();
  await Promise.all([upstream?.close(), leak?.close()]);
  workspace?.remove();
});

async function open(path = '/'): Promise<Page> {
  const page = await pages.open(path);
  await page.getByTestId('message-input').waitFor();
  return page;
}

/** Records the last assistant message's text length and status on every DOM change. */
async function watchAssistant(page: Page): Promise<void> {
  await page.evaluate(() => {
    const samples: { status: string | null; length: number }[] = [];
    (window as unknown as { __samples: typeof samples }).__samples = samples;
    const record = () => {
      const all = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
      const last = all[all.length - 1];
      if (!last) return;
      const length = (last.querySelector('.message-body')?.textContent ?? '').length;
      const status = last.getAttribute('data-status');
      const previous = samples[samples.length - 1];
      if (!previous || previous.length !== length || previous.status !== status) samples.push({ status, length });
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status'] });
  });
}

describe('chat in the browser', () => {
  test('a reply from the real model streams in, then shows its model and tokens per second', async () => {
    const page = await open();
    await pickModel(page, testModelName);
    await watchAssistant(page);
    await sendMessage(page, 'Once upon a time, a little fox');

    expect(await bodyText(message(page, 'user'))).toBe('Once upon a time, a little fox');
    const reply = message(page, 'assistant');
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 20_000 }).toBe('complete');

    const samples = await page.evaluate(() => (window as unknown as { __samples: { status: string; length: number }[] }).__samples);
    const growing = samples.filter((s) => s.status === 'generating' && s.length > 0).map((s) => s.length);
    // The text grew in at least two steps while the reply was generating, never shrank.
    expect(new Set(growing).size, JSON.stringify(samples)).toBeGreaterThanOrEqual(2);
    expect(growing).toEqual([...growing].sort((a, b) => a - b));
    const final = await bodyText(reply);
    expect(final.length).toBeGreaterThan(Math.max(...growing) - 1);

    const meta = await reply.getByTestId('message-meta').innerText();
    expect(meta).toContain(testModelName);
    expect(meta).toMatch(/\d+(\.\d)? tok\/s/);
    expect(pages.current!.errors).toEqual([]);
    await screenshot(page, 'chat');
  });

  test('stop keeps the partial reply as interrupted, and it is still there after a reload', async () => {
    nextReply = { tokens: SLOW_TOKENS, delayMs: 30 };
    const page = await open();
    await pickModel(page, SCRIPTED);
    await sendMessage(page, 'Count slowly please');
    const reply = message(page, 'assistant');
    await expect.poll(async () => (await bodyText(reply)).length, { timeout: 10_000 }).toBeGreaterThan(30);
    await page.getByTestId('stop-button').click();
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 10_000 }).toBe('interrupted');
    await expect(reply.getByTestId('interrupted-note').innerText()).resolves.toContain('partial reply is kept');

    const partial = await bodyText(reply);
    const full = SLOW_TOKENS.join('').trim();
    expect(partial.length).toBeGreaterThan(30);
    expect(partial.length).toBeLessThan(full.length);
    expect(full.startsWith(partial)).toBe(true);
    await page.getByTestId('send-button').waitFor();
    expect(await page.getByTestId('stop-button').count()).toBe(0);

    // Stored as shown.
    const id = decodeURIComponent(new URL(page.url()).pathname.replace(/^\/c\//, ''));
    expect(page.url()).toMatch(/\/c\/[^/]+$/);
    const stored = (await getConversation(server.url, id)).messages.find((m) => m.role === 'assistant')!;
    expect(stored.status).toBe('interrupted');
    expect(stored.content.trim()).toBe(partial);

    await page.reload();
    const again = message(page, 'assistant');
    await expect.poll(() => again.getAttribute('data-status'), { timeout: 10_000 }).toBe('interrupted');
    expect(await bodyText(again)).toBe(partial);
    await expect(again.getByTestId('interrupted-note').isVisible()).resolves.toBe(true);
  });

  test('after a reload the conversation is in the sidebar and opens with its messages', async () => {
    nextReply = { tokens: [KNOWN_REPLY] };
    const page = await open();
    await pickModel(page, SCRIPTED);
    await sendMessage(page, 'Remember the sidebar test');
    await expect.poll(() => message(page, 'assistant').getAttribute('data-status')).toBe('complete');
    const id = decodeURIComponent(new URL(page.url()).pathname.replace(/^\/c\//, ''));

    await page.goto('/');
    const item = page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
    await item.waitFor();
    await expect(item.innerText()).resolves.toContain('Remember the sidebar test');
    await expect(page.locator('[data-testid="message"]').count()).resolves.toBe(0);
    await screenshot(page.locator('#sidebar'), 'sidebar');

    await item.locator('button.conversation-open').click();
    await page.waitForURL(`**/c/${encodeURIComponent(id)}`);
    await expect.poll(() => page.locator('[data-testid="message"]').count()).toBe(2);
    expect(await bodyText(message(page, 'user'))).toBe('Remember the sidebar test');
    expect(await bodyText(message(page, 'assistant'))).toBe(KNOWN_REPLY);
    await expect(item.locator('button.conversation-open').getAttribute('aria-current')).resolves.toBe('page');
  });

  test('the model picker chooses who answers: stories260K, then scripted', async () => {
    nextReply = { tokens: [KNOWN_REPLY] };
    const page = await open();
    const chatRequests = () => upstream.requests.filter((r) => r.endpoint === 'chat').length;

    await pickModel(page, testModelName);
    const before = chatRequests();
    await sendMessage(page, 'Tell me about a cat');
    await expect.poll(() => message(page, 'assistant').getAttribute('data-status'), { timeout: 20_000 }).toBe('complete');
    expect(await bodyText(message(page, 'assistant'))).not.toBe(KNOWN_REPLY);
    await expect(message(page, 'assistant').getByTestId('message-meta').innerText()).resolves.toMatch(new RegExp(`^${testModelName}\\b`));
    expect(chatRequests()).toBe(before);

    await pickModel(page, SCRIPTED);
    await sendMessage(page, 'And now the scripted one');
    await expect.poll(() => message(page, 'assistant', 1).getAttribute('data-status'), { timeout: 10_000 }).toBe('complete');
    expect(await bodyText(message(page, 'assistant', 1))).toBe(KNOWN_REPLY);
    await expect(message(page, 'assistant', 1).getByTestId('message-meta').innerText()).resolves.toMatch(/^scripted\b/);
    expect(chatRequests()).toBe(before + 1);
    const last = upstream.requests.filter((r) => r.endpoint === 'chat').at(-1)!;
    expect((last.body as { model: string }).model).toBe(SCRIPTED);
    // The pick is remembered in this browser.
    await page.reload();
    await expect.poll(() => page.getByTestId('model-picker').inputValue()).toBe(SCRIPTED);
  });

  test('HTML, javascript: links and remote images in a reply stay inert', async () => {
    const remote = `${leak.url}/leak.png`;
    nextReply = {
      tokens: [
        'Look: <img src=x onerror="window.__pwned=1"> and ',
        '[click](javascript:window.__pwned=2) and ',
        `![remote](${remote}) done.`,
      ],
      delayMs: 20,
    };
    const page = await open();
    await pickModel(page, SCRIPTED);
    await sendMessage(page, 'Say something dangerous');
    const reply = message(page, 'assistant');
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 10_000 }).toBe('complete');

    // No image at all in the reply, in particular not src=x nor the remote one.
    expect(await reply.locator('img').count()).toBe(0);
    expect(await page.locator(`img[src="x"], img[src="${remote}"]`).count()).toBe(0);
    // The raw HTML is shown as text.
    expect(await bodyText(reply)).toContain('<img src=x onerror="window.__pwned=1">');
    // The javascript: link is no link; clicking its text does nothing.
    expect(await reply.locator('a[href^="javascript"]').count()).toBe(0);
    const removed = reply.locator('.link-removed');
    await expect(removed.innerText()).resolves.toMatch(/^click/);
    await removed.click();
    // The remote image is an ordinary link to open, not a load.
    const imageLink = reply.locator('a.image-link');
    await expect(imageLink.getAttribute('href')).resolves.toBe(remote);
    await expect(imageLink.getAttribute('rel')).resolves.toContain('noreferrer');

    await sleep(300);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(leak.requests).toEqual([]);
  });

  test('screenshots of the status and settings pages', async () => {
    const page = await open();
    await page.getByTestId('nav-status').click();
    await page.waitForURL('**/status');
    const overall = page.getByTestId('status-overall');
    await overall.waitFor();
    await expect(overall.getAttribute('data-status')).resolves.toBe('healthy');
    await expect.poll(() => page.getByTestId('service-row').count()).toBeGreaterThan(1);
    await screenshot(page, 'status');

    await page.getByTestId('nav-settings').click();
    await page.waitForURL('**/settings');
    await page.getByTestId('api-key-name').waitFor();
    await screenshot(page, 'settings');
    expect(pages.current!.errors).toEqual([]);
  });
});
