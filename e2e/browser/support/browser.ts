/**
 * The browser for the UI tests: Debian's Chromium (`/usr/bin/chromium`, or
 * SUTAZAI_E2E_CHROMIUM) driven by playwright-core, which never downloads a browser.
 * A missing Chromium fails the tests with what to install; they are never skipped.
 *
 * Screenshots (asked for, and one per failed test) go to `.test-artifacts/screenshots/`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot } from '../../support/server-process.js';

export const chromiumPath = process.env.SUTAZAI_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = path.join(repoRoot, '.test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is missing at ${chromiumPath}: the browser tests need it. Install it with \`apt-get install chromium\` (or set SUTAZAI_E2E_CHROMIUM to a Chromium binary).`);
  }
  return chromium.launch({
    headless: true,
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    timeout: 20_000,
  });
}

/**
 * The browser, or why it could not start: kept for every test to fail with (a failing
 * beforeAll would only mark the tests skipped, and a skipped browser suite reads as fine).
 */
export async function launchBrowserOrError(): Promise<Browser | Error> {
  return launchBrowser().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

export function requireBrowser(browser: Browser | Error | undefined): Browser {
  if (browser instanceof Error) throw browser;
  if (!browser) throw new Error('The browser was not launched (beforeAll failed?).');
  return browser;
}

export async function closeBrowser(browser: Browser | Error | undefined): Promise<void> {
  if (browser && !(browser instanceof Error)) await browser.close();
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, for failure messages and assertions. */
  errors: string[];
}

/** A fresh context (own storage: no remembered model pick) and page on `baseURL`. */
export async function openPage(browser: Browser, baseURL: string): Promise<TestPage> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return { context, page, errors };
}

export async function screenshot(target: Page | Locator, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await target.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/** The n-th (default: last) message of a role in the list. */
export function message(page: Page, role: 'user' | 'assistant', index = -1): Locator {
  const all = page.locator(`[data-testid="message"][data-role="${role}"]`);
  return index < 0 ? all.last() : all.nth(index);
}

/** The rendered text of a message, without author, notes, meta or buttons. */
export async function bodyText(locator: Locator): Promise<string> {
  return (await locator.locator('.message-body').innerText()).trim();
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('message-input');
  await input.fill(text);
  await page.getByTestId('send-button').click();
}

/** Picks a model in the header's picker, once the catalog lists it. */
export async function pickModel(page: Page, name: string): Promise<void> {
  const picker = page.getByTestId('model-picker');
  await picker.locator(`option[value="${name}"]`).waitFor({ state: 'attached' });
  await picker.selectOption(name);
}

/** A plain HTTP server that counts what it receives: a remote host that must never be contacted. */
export async function startLeakServer(): Promise<{ url: string; port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
