/**
 * Accounts and the conversation sidebar in Chromium against a real `sutazai serve` process
 * with AUTH=enabled and the real tiny model: the first-run screen creates the administrator,
 * who signs out, mistypes the password, signs in, changes the password; then the sidebar's
 * search, rename, export and delete; and the themes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeWorkspace, startServer, stopAllServers, testModelName, type ServerProcess, type Workspace } from '../support/server-process.js';
import { closeBrowser, launchBrowserOrError, message, openPage, pickModel, requireBrowser, screenshot, sendMessage, type TestPage } from './support/browser.js';

const ADMIN = { email: 'ada@example.com', password: 'first long password' };
const NEW_PASSWORD = 'second long password';

let workspace: Workspace;
let server: ServerProcess;
let browser: Browser | Error;
/** Every page opened by the running test, closed before the next one. */
let pages: TestPage[] = [];
/** The administrator's password as the tests have left it. */
let password = ADMIN.password;

beforeAll(async () => {
  [browser, workspace] = await Promise.all([launchBrowserOrError(), makeWorkspace({ realModel: true })]);
  server = await startServer({ env: { ...workspace.env, AUTH: 'enabled', LLAMA_CONTEXT_SIZE: '256' } });
});

afterAll(async () => {
  await Promise.all(pages.map((p) => p.context.close().catch(() => undefined)));
  await closeBrowser(browser);
  await stopAllServers();
  workspace?.remove();
});

beforeEach(async ({ task, onTestFailed }) => {
  await Promise.all(pages.map((p) => p.context.close().catch(() => undefined)));
  pages = [];
  onTestFailed(async () => {
    for (const [index, open] of pages.entries()) await screenshot(open.page, `failed-${task.name}-${index}`).catch(() => undefined);
    console.error(`page errors in "${task.name}":\n${pages.flatMap((p) => p.errors).join('\n') || '(none)'}\n--- server ---\n${server.output().slice(-3000)}`);
  });
});

async function newPage(path = '/'): Promise<Page> {
  const opened = await openPage(requireBrowser(browser), server.url);
  pages.push(opened);
  await opened.page.goto(path);
  return opened.page;
}

/** For tests that run alone (-t): the administrator the first test creates in the UI. */
async function ensureAdmin(): Promise<void> {
  const setup = (await (await fetch(`${server.url}/api/v1/auth/setup`)).json()) as { needs_admin: boolean };
  if (!setup.needs_admin) return;
  const created = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  if (created.status !== 201) throw new Error(`register: HTTP ${created.status} ${await created.text()}`);
}

async function signIn(page: Page, email: string, secret: string): Promise<void> {
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(secret);
  await page.getByTestId('sign-in-submit').click();
}

/** A new conversation begun in the UI; the real model's reply is stopped once it streams (its length is not the point here). */
async function startConversation(page: Page, text: string): Promise<string> {
  await page.getByTestId('new-chat').click();
  await sendMessage(page, text);
  await expect.poll(() => message(page, 'assistant').getAttribute('data-status'), { timeout: 20_000 }).toMatch(/generating|complete|interrupted/);
  if ((await message(page, 'assistant').getAttribute('data-status')) === 'generating') await page.getByTestId('stop-button').click().catch(() => undefined);
  await expect.poll(() => message(page, 'assistant').getAttribute('data-status'), { timeout: 20_000 }).toMatch(/complete|interrupted/);
  await expect.poll(() => page.url()).toMatch(/\/c\//);
  return decodeURIComponent(new URL(page.url()).pathname.slice('/c/'.length));
}

const item = (page: Page, title: string) => page.getByTestId('conversation-item').filter({ hasText: title });

describe('accounts in the browser (AUTH=enabled)', () => {
  test('the first run creates the administrator, who signs out, mistypes the password and signs in', async () => {
    const page = await newPage();
    await page.getByTestId('first-run').waitFor();
    expect(await page.getByTestId('sign-in-form').count()).toBe(0);
    await screenshot(page, 'first-run');
    await page.getByTestId('register-name').fill('Ada');
    await page.getByTestId('register-email').fill(ADMIN.email);
    await page.getByTestId('register-password').fill(ADMIN.password);
    await page.getByTestId('register-confirm').fill(ADMIN.password);
    await page.getByTestId('register-submit').click();
    await page.getByTestId('message-input').waitFor();
    expect(await page.getByTestId('sign-out').getAttribute('title')).toContain(ADMIN.email);

    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-form').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'You are signed out.' }).count()).toBe(1);
    // The administrator exists now, and sign-up is closed by default.
    expect(await page.getByTestId('first-run').count()).toBe(0);
    await page.getByTestId('signup-closed').waitFor();

    await signIn(page, ADMIN.email, 'not the password');
    const error = page.getByTestId('sign-in-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('INVALID_CREDENTIALS');
    expect(await error.innerText()).toContain('The email or the password is wrong.');
    await screenshot(page, 'sign-in-wrong-password');

    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByTestId('message-input').waitFor();
    await page.reload();
    await page.getByTestId('message-input').waitFor();
    expect(await page.getByTestId('sign-in-form').count()).toBe(0);
  });

  test('a password change in settings keeps this browser signed in and signs the other one out', async () => {
    await ensureAdmin();
    const here = await newPage();
    await signIn(here, ADMIN.email, password);
    await here.getByTestId('message-input').waitFor();
    const elsewhere = await newPage();
    await signIn(elsewhere, ADMIN.email, password);
    await elsewhere.getByTestId('message-input').waitFor();

    await here.getByTestId('nav-settings').click();
    await here.getByTestId('password-current').fill('not the password');
    await here.getByTestId('password-new').fill(NEW_PASSWORD);
    await here.getByTestId('password-confirm').fill(NEW_PASSWORD);
    await here.getByTestId('password-submit').click();
    expect(await here.getByTestId('password-error').getAttribute('data-code')).toBe('CURRENT_PASSWORD_WRONG');

    await here.getByTestId('password-current').fill(password);
    await here.getByTestId('password-submit').click();
    expect(await here.getByTestId('password-changed').innerText()).toMatch(/1 other session was signed out|other sessions were signed out/);
    password = NEW_PASSWORD;
    await screenshot(here, 'settings-password-changed');

    await here.reload();
    await here.getByTestId('password-form').waitFor();
    await elsewhere.reload();
    await elsewhere.getByTestId('sign-in-form').waitFor();
    await signIn(elsewhere, ADMIN.email, NEW_PASSWORD);
    await elsewhere.getByTestId('message-input').waitFor();
  });
});

describe('the conversation sidebar in the browser', () => {
  beforeAll(ensureAdmin);

  test('searches, renames, exports and deletes conversations', { timeout: 90_000 }, async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, password);
    await page.getByTestId('message-input').waitFor();
    await pickModel(page, testModelName);
    const pelicans = await startConversation(page, 'Pelicans over the harbour');
    await startConversation(page, 'Soup for a cold evening');
    await startConversation(page, 'Granite mountains at dawn');
    await expect.poll(() => page.getByTestId('conversation-item').count()).toBe(3);

    // Search: titles and message text, case-insensitive, on the server.
    await page.getByTestId('conversation-search').fill('SOUP');
    await expect.poll(() => page.getByTestId('conversation-item').allInnerTexts()).toEqual([expect.stringContaining('Soup for a cold evening')]);
    await page.getByTestId('conversation-search').fill('nothing like this anywhere');
    await page.getByText('No conversation matches.').waitFor();
    await page.getByTestId('conversation-search').fill('');
    await expect.poll(() => page.getByTestId('conversation-item').count()).toBe(3);

    // Rename, kept on the server.
    await item(page, 'Pelicans').getByTestId('conversation-actions').click();
    await item(page, 'Pelicans').getByTestId('conversation-rename').click();
    await page.getByTestId('rename-input').fill('Birds of the harbour');
    await page.getByTestId('rename-input').press('Enter');
    await item(page, 'Birds of the harbour').waitFor();
    await page.reload();
    await item(page, 'Birds of the harbour').waitFor();
    expect(await item(page, 'Pelicans').count()).toBe(0);

    // Export as Markdown and as JSON: files named and written by the server.
    await item(page, 'Birds of the harbour').getByTestId('conversation-actions').click();
    const [markdown] = await Promise.all([page.waitForEvent('download'), item(page, 'Birds of the harbour').getByRole('button', { name: 'Export Markdown' }).click()]);
    expect(markdown.suggestedFilename()).toBe(`conversation-${pelicans.replace(/[^A-Za-z0-9_-]/g, '_')}.md`);
    const markdownText = readFileSync((await markdown.path())!, 'utf8');
    expect(markdownText).toContain('# Birds of the harbour');
    expect(markdownText).toContain('Pelicans over the harbour');
    await item(page, 'Birds of the harbour').getByTestId('conversation-actions').click();
    const [jsonFile] = await Promise.all([page.waitForEvent('download'), item(page, 'Birds of the harbour').getByRole('button', { name: 'Export JSON' }).click()]);
    const exported = JSON.parse(readFileSync((await jsonFile.path())!, 'utf8')) as { id: string; title: string; messages: { role: string }[] };
    expect(exported).toMatchObject({ id: pelicans, title: 'Birds of the harbour' });
    expect(exported.messages.map((m) => m.role)).toEqual(['user', 'assistant']);

    // Delete, after a confirmation; the open conversation goes back to a new chat.
    await item(page, 'Birds of the harbour').locator('.conversation-open').click();
    await expect.poll(() => page.url()).toContain(`/c/${encodeURIComponent(pelicans)}`);
    await item(page, 'Birds of the harbour').getByTestId('conversation-actions').click();
    await item(page, 'Birds of the harbour').getByTestId('conversation-delete').click();
    await screenshot(page, 'sidebar-delete-confirm');
    await item(page, 'Birds of the harbour').getByTestId('conversation-delete-confirm').click();
    await expect.poll(() => item(page, 'Birds of the harbour').count()).toBe(0);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await page.reload();
    await expect.poll(() => page.getByTestId('conversation-item').count()).toBe(2);
    const gone = await page.request.get(`/api/v1/conversations/${encodeURIComponent(pelicans)}`);
    expect(gone.status()).toBe(404);
  });

  test('follows the system\'s dark scheme, and the toggle overrides it either way', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, password);
    await page.getByTestId('message-input').waitFor();
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(15, 20, 25)');
    await page.getByTestId('theme-toggle').click(); // system → light
    expect(await background()).toBe('rgb(246, 247, 249)');
    await page.getByTestId('theme-toggle').click(); // light → dark
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBe('rgb(15, 20, 25)');
    await screenshot(page, 'theme-dark');
    await page.getByTestId('theme-toggle').click(); // dark → system (light here)
    expect(await background()).toBe('rgb(246, 247, 249)');
  });
});
