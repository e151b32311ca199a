/**
 * The security suite's bookkeeping: every case is one vitest test, and the file ends with
 * the summary line `security: N passed, M failed`, which CI logs show at a glance.
 */
import { afterAll, it } from 'vitest';

const results = { passed: 0, failed: 0 };

/** Call once at the top level of the suite's file, so it runs after every case. */
export function printSecuritySummary(): void {
  afterAll(() => {
    process.stdout.write(`\nsecurity: ${results.passed} passed, ${results.failed} failed\n`);
  });
}

export function securityCase(name: string, run: () => Promise<void>, timeoutMs = 20_000): void {
  it(name, async () => {
    try {
      await run();
      results.passed++;
    } catch (error) {
      results.failed++;
      throw error;
    }
  }, timeoutMs);
}

export interface Answer {
  status: number;
  code: string | undefined;
  headers: Headers;
  body: string;
}

/** A request with the answer's status and error code read; never throws on HTTP errors. */
export async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url, { ...init, headers, body: body ?? null, redirect: 'manual' });
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: response.status, code, headers: response.headers, body: text };
}
