/**
 * Drives the BUILT CLI (`node packages/cli/dist/main.js`) as a user does: `serve` as a real
 * child process on a free port, and one-shot commands (`config check`, `chat`, ...).
 *
 * Every child started here is tracked; `stopAllServers()` (call it in afterAll/afterEach)
 * and a last-resort `exit` hook SIGKILL whatever is still running, so a failed test never
 * leaves a server behind.
 */
import { readServerSentEvents, type ServerSentEvent } from '../../packages/contracts/src/sse.js';
import { configKeys } from '../../packages/server/src/config/schema.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI; SUTAZAI_E2E_CLI points the tests at another build of it (e.g. a patched copy). */
export const cliPath = process.env.SUTAZAI_E2E_CLI ? path.resolve(process.env.SUTAZAI_E2E_CLI) : path.join(repoRoot, 'packages/cli/dist/main.js');

/** The real tiny model: SUTAZAI_TEST_MODEL, or the shared one beside the repo. */
export const testModelPath = path.resolve(repoRoot, process.env.SUTAZAI_TEST_MODEL ?? '../shared/models/stories260K.gguf');
export const testModelName = path.basename(testModelPath).replace(/\.gguf$/i, '');

/** Settings read by the server (the schema's, and the CLI's own); stripped from the inherited environment so a developer's shell cannot leak into a test. */
const CONFIG_VARIABLES = [...configKeys, 'SUTAZAI_CONFIG', 'SUTAZAI_URL', 'SUTAZAI_TOKEN', 'SUTAZAI_API_KEY'];

function assertBuilt(): void {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} does not exist: run \`npm run build\` before the e2e tests.`);
}

export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of CONFIG_VARIABLES) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A free TCP port on 127.0.0.1: bind port 0, read it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A temp folder with `data/` and `models/` (the real model symlinked in, never copied). */
export interface Workspace {
  dir: string;
  dataDir: string;
  modelsDir: string;
  /**
   * The environment of a server on this workspace: single-user mode, Ollama at a closed port
   * so no local Ollama leaks in.
   */
  env: Record<string, string>;
  remove(): void;
}

export async function makeWorkspace(options: { realModel?: boolean } = { realModel: true }): Promise<Workspace> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-e2e-'));
  const dataDir = path.join(dir, 'data');
  const modelsDir = path.join(dir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  if (options.realModel !== false) {
    if (!existsSync(testModelPath)) throw new Error(`The test model ${testModelPath} is missing; set SUTAZAI_TEST_MODEL to a GGUF file.`);
    symlinkSync(testModelPath, path.join(modelsDir, path.basename(testModelPath)));
  }
  const closedPort = await freePort();
  return {
    dir, dataDir, modelsDir,
    env: {
      DATA_DIR: dataDir,
      MODELS_DIR: modelsDir,
      OLLAMA_BASE_URL: `http://127.0.0.1:${closedPort}`,
      LLAMA_THREADS: '1',
      // Single-user mode (a local admin, no sign-in), as on a laptop; accepted on a loopback HOST.
      AUTH: 'disabled',
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote so far, for failure messages. */
  output(): string;
  /** Parsed JSON log lines of stdout. */
  logs(): Record<string, unknown>[];
  exited: Promise<ExitResult>;
  /** Sends the signal and waits for the exit (SIGKILL after `graceMs` if it does not go). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitResult>;
}

const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** SIGKILLs every child still running (servers and commands). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...live].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

function track(child: ChildProcess): { exited: Promise<ExitResult>; stdout: () => string; stderr: () => string } {
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<ExitResult>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      live.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  return { exited, stdout: () => stdout, stderr: () => stderr };
}

function parseLogLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line: not a log entry yet
    }
  }
  return lines;
}

export interface StartOptions {
  /** Environment on top of a clean one (PORT defaults to 0). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * `sutazai serve` as a child process: PORT=0 unless given, the URL read from the log line
 * `SutazAI is serving on http://...`, ready once `/health` answers 200.
 */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  assertBuilt();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [cliPath, 'serve'], {
    cwd: options.cwd ?? tmpdir(),
    env: cleanEnv({ PORT: '0', LOG_LEVEL: 'info', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { exited, stdout, stderr } = track(child);
  const output = () => `--- stdout ---\n${stdout()}\n--- stderr ---\n${stderr()}`;
  let exitResult: ExitResult | undefined;
  void exited.then((result) => (exitResult = result));

  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    if (exitResult) throw new Error(`sutazai serve exited (code ${exitResult.code}, signal ${exitResult.signal}) before serving.\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sutazai serve did not log "SutazAI is serving on" within ${timeoutMs} ms.\n${output()}`);
    }
    const line = parseLogLines(stdout()).find((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('SutazAI is serving on'));
    if (line) url = String(line.url ?? /https?:\/\/\S+/.exec(String(line.msg))?.[0]);
    else await sleep(50);
  }
  for (;;) {
    if (exitResult) throw new Error(`sutazai serve exited (code ${exitResult.code}) after logging its URL.\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${url}/health did not answer 200 within ${timeoutMs} ms.\n${output()}`);
    }
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(50);
  }

  return {
    url,
    port: Number(new URL(url).port),
    child,
    output,
    logs: () => parseLogLines(stdout()),
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      if (exitResult) return exitResult;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface CliResult extends ExitResult {
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs one CLI command to its end (SIGKILL after `timeoutMs`). */
export async function runCli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { exited, stdout, stderr } = track(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const result = await exited;
  clearTimeout(timer);
  return { ...result, stdout: stdout(), stderr: stderr(), durationMs: performance.now() - started };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type SseEvent = ServerSentEvent;

/** SSE events of a live fetch response, as they arrive. */
export async function* readSse(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) throw new Error(`no body (HTTP ${response.status})`);
  yield* readServerSentEvents(response.body as unknown as AsyncIterable<Uint8Array>);
}

export interface StoredMessage {
  id: string;
  role: string;
  content: string;
  status: string;
  error_code: string | null;
}

export async function getConversation(url: string, sessionId: string): Promise<{ id: string; messages: StoredMessage[] }> {
  const response = await fetch(`${url}/api/v1/conversations/${encodeURIComponent(sessionId)}`);
  if (!response.ok) throw new Error(`GET conversation ${sessionId}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; messages: StoredMessage[] };
}
