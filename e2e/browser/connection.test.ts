/**
 * The connection banner in Chromium against a real server process: it says so when the
 * server goes away (SIGTERM), and clears by itself when a new server answers on the same port
 * with the same data folder, with the conversations still there.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { makeWorkspace, startServer, stopAllServers, testModelName, type ServerProcess, type Workspace } from '../support/server-process.js';
import { bodyText, closeBrowser, launchBrowserOrError, requireBrowser, message, openPage, pickModel, screenshot, sendMessage, type TestPage } from './support/browser.js';

let workspace: Workspace;
let browser: Browser | Error;
let first: ServerProcess;
let second: ServerProcess | undefined;
let tab: TestPage | undefined;
/** What the page showed at two moments of the main test, for the known-bug tests below. */
const seen: { unsentNote?: string; sidebarErrorAfterRecovery?: boolean } = {};

const env = () => ({ ...workspace.env, LLAMA_CONTEXT_SIZE: '256' });

beforeAll(async () => {
  [browser, workspace] = await Promise.all([launchBrowserOrError(), makeWorkspace({ realModel: true })]);
  first = await startServer({ env: env() });
});

afterAll(async () => {
  await tab?.context.close().catch(() => undefined);
  await closeBrowser(browser);
  await stopAllServers();
  workspace?.remove();
});

describe('connection banner', () => {
  test('appears when the server stops and clears when it is back on the same port and data', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      if (tab) await screenshot(tab.page, 'failed-connection-banner').catch(() => undefined);
      console.error(`page errors:\n${tab?.errors.join('\n')}\n--- first ---\n${first.output().slice(-2000)}\n--- second ---\n${second?.output().slice(-2000)}`);
    });
    tab = await openPage(requireBrowser(browser), first.url);
    const { page } = tab;
    await page.goto('/');
    await pickModel(page, testModelName);
    await sendMessage(page, 'Before the restart');
    await expect.poll(() => message(page, 'assistant').getAttribute('data-status'), { timeout: 20_000 }).toBe('complete');
    const conversationUrl = page.url();
    expect(await page.getByTestId('connection-banner').count()).toBe(0);

    const stopped = await first.stop('SIGTERM');
    expect(stopped.code, first.output().slice(-2000)).toBe(0);

    // The next request that gets no answer (here: sending) makes the monitor check at once,
    // rather than at its next routine check.
    await sendMessage(page, 'While the server is away');
    const banner = page.getByTestId('connection-banner');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('data-state')).toBe('offline');
    const text = await banner.innerText();
    expect(text).toContain('The SutazAI server cannot be reached.');
    expect(text).toContain(`GET ${first.url}/health/detailed`);
    await screenshot(page, 'connection-banner');
    const unsent = message(page, 'user');
    await expect.poll(() => unsent.getAttribute('data-status')).toBe('unsent');
    seen.unsentNote = await unsent.locator('.message-note').innerText();
    await expect(message(page, 'assistant').getByTestId('message-error').getAttribute('data-code')).resolves.toBe('NETWORK_ERROR');

    // A new process on the same port and data folder; the banner clears on its own (backoff retry).
    second = await startServer({ env: { ...env(), PORT: String(first.port) } });
    expect(second.port).toBe(first.port);
    await banner.waitFor({ state: 'detached', timeout: 20_000 });
    // The model list is fetched again on reconnection; give the sidebar the same chance.
    await expect.poll(() => page.getByTestId('model-picker').locator(`option[value="${testModelName}"]`).count()).toBe(1);
    await page.waitForTimeout(1000);
    seen.sidebarErrorAfterRecovery = (await page.locator('#sidebar [data-testid="error-notice"]').count()) > 0;
    await screenshot(page, 'connection-recovered');

    // Same data: the conversation from before the restart is listed and opens.
    await page.goto(conversationUrl);
    await expect.poll(() => page.locator('[data-testid="message"][data-role="user"]').first().innerText()).toContain('Before the restart');
    await page.locator('[data-testid="conversation-item"]', { hasText: 'Before the restart' }).waitFor();
    // And the UI can chat again.
    await sendMessage(page, 'After the restart');
    await expect.poll(async () => (await message(page, 'assistant').getAttribute('data-status')) === 'complete' && (await bodyText(message(page, 'user'))), { timeout: 20_000 }).toBe('After the restart');
  });

  // What the test above saw while the server was away and after it came back.
  test('a message that could not reach the server is not said to be refused by it', () => {
    expect(seen.unsentNote).toBeDefined();
    expect(seen.unsentNote).not.toContain('the server refused');
  });

  test('the sidebar lists the conversations again once the server is back', () => {
    expect(seen.sidebarErrorAfterRecovery).toBe(false);
  });
});
