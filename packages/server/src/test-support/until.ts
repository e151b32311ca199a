/**
 * Polls `probe` every 50 ms until `done` accepts its value, for tests of things that happen
 * in the background (a job, another process, a sweep). A probe that throws (a server not up
 * yet, a connection cut on purpose) counts as not done; past the deadline the error names
 * `what` and the last value or error seen.
 */
export async function until<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await probe();
      if (done(value)) return value;
      last = value;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.message}` : error;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last ${JSON.stringify(last)?.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
