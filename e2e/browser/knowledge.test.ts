/**
 * Knowledge bases in Chromium against a real `sutazai serve` process: create a base, drop a
 * Markdown file on it and watch it being indexed (parsed, and embedded by the real tiny model),
 * find its passage in the retrieval inspector, see a failed document's reason, then chat with
 * the base attached and follow the reply's citation to the passage. The chat uses a scripted
 * OpenAI-compatible model, because only a scripted one can be made to cite "[1]".
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import { requestMessages, type ScriptedReply } from '../../packages/server/src/llm/test-support/test-server-script.js';
import { makeWorkspace, startServer, stopAllServers, testModelName, type ServerProcess, type Workspace } from '../support/server-process.js';
import { bodyText, closeBrowser, launchBrowserOrError, message, pickModel, screenshot, sendMessage } from './support/browser.js';
import { usePageSession } from './support/page-session.js';

const SCRIPTED = 'scripted';
const GUIDE = [
  '# Lighthouse handbook',
  '',
  '## Opening hours',
  '',
  'The lighthouse office opens at nine in the morning and closes at five.',
  '',
  '## Parking',
  '',
  'Visitors park behind the blue barn.',
  '',
].join('\n');

let workspace: Workspace;
let upstream: OpenAICompatibleTestServer;
let server: ServerProcess;
let browser: Browser | Error;

/** Answers from the passage it was given, citing it; says so when it was given none. */
function scriptedModel(request: Parameters<typeof requestMessages>[0]): ScriptedReply {
  const prompt = requestMessages(request).map((m) => m.content).join('\n');
  const cited = /\[(\d+)\] From "guide\.md":\n(?:> .*\n)*> .*opens at nine/.exec(prompt);
  if (!cited) return { tokens: ['I have no passage about that.'] };
  return { tokens: ['The office opens ', 'at nine ', `[${cited[1]}]. `, '<img src=x onerror="window.__pwned=1">'] };
}

const pages = usePageSession(() => browser, () => server);

beforeAll(async () => {
  [browser, workspace, upstream] = await Promise.all([
    launchBrowserOrError(),
    makeWorkspace({ realModel: true }),
    startOpenAICompatibleTestServer({ models: [SCRIPTED], chat: scriptedModel }),
  ]);
  // The real tiny model is the default, so it is the one that embeds the passages.
  server = await startServer({ env: { ...workspace.env, OPENAI_BASE_URL: upstream.baseURL, DEFAULT_MODEL: testModelName, LLAMA_CONTEXT_SIZE: '256' } });
});

afterAll(async () => {
  await pages.close();
  await closeBrowser(browser);
  await stopAllServers();
  await upstream?.close();
  workspace?.remove();
});

const open = (path: string): Promise<Page> => pages.open(path);

/** Records each status the document named `name` shows, in order, as the page changes. */
async function watchDocument(page: Page, name: string): Promise<void> {
  await page.evaluate((watched) => {
    const seen: { status: string | null; progress: string | null }[] = [];
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    const record = () => {
      for (const item of document.querySelectorAll('[data-testid="document"]')) {
        if (item.querySelector('.document-name')?.textContent !== watched) continue;
        const sample = { status: item.getAttribute('data-status'), progress: item.querySelector('[data-testid="document-progress"]')?.getAttribute('aria-valuenow') ?? null };
        const last = seen[seen.length - 1];
        if (!last || last.status !== sample.status || last.progress !== sample.progress) seen.push(sample);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'aria-valuenow'] });
  }, name);
}

const documentNamed = (page: Page, name: string) => page.getByTestId('document').filter({ has: page.locator('.document-name', { hasText: name }) });

/** A base with the guide in it, indexed, made through the API. */
async function baseWithGuide(page: Page): Promise<string> {
  const base = await (await page.request.post('/api/v1/knowledge', { data: { name: 'Handbook for chat' } })).json() as { id: string };
  const added = await page.request.post(`/api/v1/knowledge/${base.id}/documents`, { multipart: { file: { name: 'guide.md', mimeType: 'text/markdown', buffer: Buffer.from(GUIDE) } } });
  expect(added.status()).toBe(202);
  const { id } = await added.json() as { id: string };
  await expect.poll(async () => ((await (await page.request.get(`/api/v1/knowledge/${base.id}/documents/${id}`)).json()) as { status: string }).status, { timeout: 30_000 }).toBe('indexed');
  return base.id;
}

// Generous per-test bounds: the real model and ingestion share two cores with everything else.
describe('knowledge bases in the browser', () => {
  test('creates a base, drops a Markdown file on it, watches it get indexed, and finds its passage in the inspector', async () => {
    const page = await open('/knowledge');
    await page.getByTestId('knowledge-page').waitFor();
    await page.getByTestId('knowledge-name').fill('Lighthouse handbook');
    await page.getByTestId('knowledge-description').fill('How the lighthouse office works');
    await page.getByTestId('knowledge-create').click();
    await page.getByTestId('knowledge-base-page').waitFor();
    const baseId = await page.getByTestId('knowledge-base-page').getAttribute('data-base-id');
    expect(new URL(page.url()).pathname).toBe(`/knowledge/${baseId}`);

    const progressStreams: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/events')) progressStreams.push(new URL(request.url()).pathname);
    });
    await watchDocument(page, 'guide.md');
    // A real drop: a DataTransfer holding the file, as a file manager would give it.
    const dataTransfer = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'guide.md', { type: 'text/markdown' }));
      return transfer;
    }, GUIDE);
    const zone = page.getByTestId('drop-zone');
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });

    const guide = documentNamed(page, 'guide.md');
    await expect.poll(() => guide.getAttribute('data-status'), { timeout: 30_000 }).toBe('indexed');
    const seen = await page.evaluate(() => (window as unknown as { __seen: { status: string; progress: string | null }[] }).__seen);
    expect(seen[0]).toEqual({ status: 'queued', progress: '0' });
    expect(seen.at(-1)).toEqual({ status: 'indexed', progress: null });
    expect(progressStreams.length).toBeGreaterThan(0);
    expect(progressStreams[0]).toMatch(new RegExp(`^/api/v1/knowledge/${baseId}/documents/[^/]+/events$`));
    expect(await guide.innerText()).toContain('2 passages');
    await expect.poll(() => page.getByTestId('knowledge-base-summary').innerText()).toBe(`1 document · 2 passages · vectors by llama-cpp/${testModelName}`);

    // A file the server cannot read: it fails with the reason, picked with the file picker.
    await page.getByTestId('document-file').setInputFiles({ name: 'broken.pdf', mimeType: 'application/pdf', buffer: Buffer.from('this is not a pdf') });
    const broken = documentNamed(page, 'broken.pdf');
    await expect.poll(() => broken.getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
    const reason = await broken.getByTestId('document-error').innerText();
    expect(reason).toContain('DOCUMENT_PARSE_FAILED');
    expect(reason).toContain('is not a readable PDF');
    await screenshot(page, 'knowledge-base');

    // The inspector: the passage, with what each method made of it.
    await page.getByTestId('inspector-query').fill('when does the lighthouse office open');
    await page.getByTestId('inspector-search').click();
    const first = page.getByTestId('inspector-result').first();
    await first.waitFor();
    expect(await first.getByTestId('result-text').innerText()).toContain('The lighthouse office opens at nine in the morning');
    expect(await first.innerText()).toContain('Lighthouse handbook › Opening hours');
    expect(await first.getByTestId('score-fulltext').innerText()).toMatch(/Full text\s+\S+\s+1$/);
    expect(await first.getByTestId('score-vector').innerText()).toMatch(/Vectors\s+[\d.-]+\s+\d+$/);
    expect(Number(await first.getByTestId('result-score').innerText())).toBeGreaterThan(0);
    await first.scrollIntoViewIfNeeded();
    await screenshot(page, 'retrieval-inspector');

    // Nothing came back, and why.
    await page.getByTestId('inspector-mode').selectOption('fulltext');
    await page.getByTestId('inspector-query').fill('zebra');
    await page.getByTestId('inspector-search').click();
    await expect.poll(() => page.getByTestId('inspector-answer').getAttribute('data-count')).toBe('0');
    expect(await page.getByTestId('inspector-answer').innerText()).toContain('Nothing came back for “zebra”.');
    expect(await page.getByTestId('inspector-diagnostics').innerText()).toContain('zebra');
    await screenshot(page, 'retrieval-inspector-empty');

    // Deleting the failed document leaves the indexed one.
    await broken.getByTestId('document-delete').click();
    await broken.getByTestId('document-delete-confirm').click();
    await expect.poll(() => broken.count()).toBe(0);
    expect(await guide.count()).toBe(1);
  }, 90_000);

  test('chats with the base attached: the reply cites the passage, its [1] opens it, and a reload keeps them', async () => {
    const page = await open('/');
    const baseId = await baseWithGuide(page);
    await page.getByTestId('message-input').waitFor();
    await pickModel(page, SCRIPTED);
    await page.getByTestId('knowledge-picker').click();
    await page.getByTestId(`knowledge-option-${baseId}`).check();
    await page.getByTestId('knowledge-picker').click();
    expect(await page.getByTestId('knowledge-attached').innerText()).toContain('Handbook for chat');

    await sendMessage(page, 'When does the lighthouse office open?');
    const reply = message(page, 'assistant');
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 20_000 }).toBe('complete');
    expect(await bodyText(reply)).toBe('The office opens at nine [1]. <img src=x onerror="window.__pwned=1">');
    expect(await reply.locator('.message-body img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // What the model was given: the passage, quoted, numbered.
    const sent = upstream.requests.filter((r) => r.endpoint === 'chat').at(-1);
    expect(JSON.stringify(sent?.body)).toContain('> The lighthouse office opens at nine in the morning');

    const citation = reply.getByTestId('citation');
    expect(await citation.count()).toBeGreaterThanOrEqual(1);
    expect(await citation.first().locator('summary').innerText()).toBe('[1] guide.md');
    expect(await citation.first().getByTestId('citation-text').isVisible()).toBe(false);
    await reply.getByTestId('citation-marker').click();
    expect(await citation.first().getByTestId('citation-text').isVisible()).toBe(true);
    expect(await citation.first().getByTestId('citation-text').innerText()).toContain('opens at nine in the morning');
    expect(new URL(page.url()).hash).toBe('');
    await screenshot(page, 'chat-citations');

    // Stored with the reply.
    await page.reload();
    const stored = message(page, 'assistant');
    await stored.getByTestId('citation').first().waitFor();
    expect(await stored.getByTestId('citation-marker').count()).toBe(1);
    expect(await stored.getByTestId('citation').first().locator('summary').innerText()).toBe('[1] guide.md');
  }, 90_000);
});
