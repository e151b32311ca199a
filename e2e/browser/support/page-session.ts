/**
 * The page each browser test opens, shared by the test files: `open(path)` opens a fresh
 * context on the server and goes to `path`; before each test the previous test's context is
 * closed, and a failed test leaves a screenshot plus its page errors and the server's output.
 */
import { beforeEach } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ServerProcess } from '../../support/server-process.js';
import { openPage, requireBrowser, screenshot, type TestPage } from './browser.js';

export interface PageSession {
  /** The page the running test opened, if it opened one. */
  readonly current: TestPage | undefined;
  /** Opens a fresh page on the server at `path`. */
  open(path: string): Promise<Page>;
  /** Closes the current page's context, if any (for `afterAll`). */
  close(): Promise<void>;
}

/** Registers the per-test `beforeEach` hook; `browser` and `server` are read when used (they start in `beforeAll`). */
export function usePageSession(browser: () => Browser | Error, server: () => ServerProcess): PageSession {
  let current: TestPage | undefined;

  beforeEach(async ({ task, onTestFailed }) => {
    await current?.context.close().catch(() => undefined);
    current = undefined;
    onTestFailed(async () => {
      if (!current) return;
      await screenshot(current.page, `failed-${task.name}`).catch(() => undefined);
      console.error(`page errors in "${task.name}":\n${current.errors.join('\n') || '(none)'}\n--- server ---\n${server().output().slice(-3000)}`);
    });
  });

  return {
    get current() {
      return current;
    },
    async open(path: string): Promise<Page> {
      current = await openPage(requireBrowser(browser()), server().url);
      await current.page.goto(path);
      return current.page;
    },
    async close(): Promise<void> {
      await current?.context.close().catch(() => undefined);
    },
  };
}
