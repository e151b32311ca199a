/**
 * The processes a benchmark runs: SutazAI (`node packages/cli/dist/bundle/sutazai.mjs serve`, as `npm start`), the bare
 * Fastify baseline, the token server and the load generator, each a child of the runner
 * so no two share an event loop. Also readiness polling and memory readings.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const benchDirectory = fileURLToPath(new URL('.', import.meta.url));
/** What `npm start` runs: the bundle `npm run build` makes (packages/cli/bundle.mjs). */
export const cliEntry = path.join(repositoryRoot, 'packages/cli/dist/bundle/sutazai.mjs');
/** The same program as tsc emits it, unbundled: what the tests run. */
export const unbundledCliEntry = path.join(repositoryRoot, 'packages/cli/dist/main.js');
const { configKeys } = await import(new URL('../packages/server/dist/config/schema.js', import.meta.url).href);

/** A temporary folder removed by `removeTemporaryFolders` at the end of the run. */
const temporaryFolders = [];
export function temporaryFolder(prefix) {
  const folder = mkdtempSync(path.join(os.tmpdir(), `sutazai-bench-${prefix}-`));
  temporaryFolders.push(folder);
  return folder;
}
export function removeTemporaryFolders() {
  for (const folder of temporaryFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A child process with its stderr kept (last 4 KB) for error messages. `stop()` sends
 * SIGTERM, then SIGKILL after 5 s, and resolves when the process has exited.
 */
export function startProcess(name, args, { env = process.env, cwd = repositoryRoot, nodeArgs = [] } = {}) {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (part) => {
    stderr = (stderr + part).slice(-4096);
  });
  // 'close' rather than 'exit': by then everything the child printed has been read.
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  // stdout is always drained, so a chatty child never blocks on a full pipe.
  let resolveLine;
  let rejectLine;
  const firstLine = new Promise((resolve, reject) => {
    resolveLine = resolve;
    rejectLine = reject;
  });
  firstLine.catch(() => undefined);
  child.stdout.setEncoding('utf8');
  let head = '';
  child.stdout.on('data', (part) => {
    if (head === undefined) return;
    head += part;
    const newline = head.indexOf('\n');
    if (newline === -1) return;
    const line = head.slice(0, newline);
    head = undefined;
    try {
      resolveLine(JSON.parse(line));
    } catch {
      rejectLine(new Error(`${name} printed ${line}`));
    }
  });
  exited.then(({ code, signal }) => rejectLine(new Error(`${name} exited (${code ?? signal}) before printing a line: ${stderr}`)));
  let stopping;
  return {
    name, child, pid: child.pid, exited,
    /** performance.now() just before the spawn. */
    startedAt,
    stderr: () => stderr,
    /** Resolves with the first stdout line parsed as JSON. */
    firstLine: () => firstLine,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        const result = await exited;
        clearTimeout(timer);
        return result;
      })();
      return stopping;
    },
  };
}

/** Runs a child to completion and returns its stdout parsed as one JSON document. */
export async function runJsonProcess(name, args, { env } = {}) {
  const running = startProcess(name, args, { env });
  let stdout = '';
  running.child.stdout.setEncoding('utf8');
  running.child.stdout.on('data', (part) => (stdout += part));
  const { code } = await running.exited;
  // stdout too: a command's --json error is printed there.
  if (code !== 0) throw new Error(`${name} exited with ${code}: ${running.stderr()}${stdout}`);
  return JSON.parse(stdout);
}

/**
 * Settings of every benchmarked SutazAI. The benchmarks measure the serving path, not the
 * guards in front of it: single-user mode on loopback (no sign-in lookup per request), and
 * per-user stream and rate limits far above what the benchmark sends. Settings an older
 * build does not know are ignored by its configuration loader.
 */
export const benchSettings = {
  LOG_LEVEL: 'warn',
  AUTH: 'disabled',
  MAX_CONCURRENT_STREAMS: '1024',
  RATE_LIMIT_PER_MINUTE: '1000000',
  OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
};

/** The environment of a SutazAI process: the caller's, minus every SutazAI setting, plus the bench's and `settings`. */
export function sutazaiEnvironment(settings) {
  const env = { ...process.env };
  for (const key of [...configKeys, ...Object.keys(benchSettings), 'SUTAZAI_CONFIG']) delete env[key];
  return { ...env, ...benchSettings, ...settings };
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; undefined elsewhere). */
export function cpuMilliseconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}
// USER_HZ is 100 on every mainstream Linux build.
const clockTicksPerSecond = 100;

/**
 * Spawns `sutazai serve` on a free port with a fresh DATA_DIR, in a temporary working
 * folder (so no `./models` or `sutazai.config.json` of the repository is picked up).
 */
export async function spawnSutazai(settings = {}, { nodeArgs = [], entry = cliEntry } = {}) {
  const port = await freePort();
  const home = temporaryFolder('sutazai');
  const env = sutazaiEnvironment({ HOST: '127.0.0.1', PORT: String(port), DATA_DIR: path.join(home, 'data'), ...settings });
  return { url: `http://127.0.0.1:${port}`, process: startProcess('sutazai', [entry, 'serve'], { env, cwd: home, nodeArgs }) };
}

export async function spawnFastifyBaseline() {
  const port = await freePort();
  const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port) };
  return { url: `http://127.0.0.1:${port}`, process: startProcess('fastify-hello', [path.join(benchDirectory, 'fastify-hello.mjs')], { env }) };
}

/** The floor of the chat figures: a bare node:http proxy in front of the token server (`bare-proxy.mjs`). */
export async function spawnBareProxy(openAIBaseURL) {
  const running = startProcess('bare-proxy', [path.join(benchDirectory, 'bare-proxy.mjs')], { env: { ...process.env, OPENAI_BASE_URL: openAIBaseURL, PORT: '0' } });
  const { url } = await running.firstLine();
  return { url, process: running };
}

export async function spawnTokenServer({ tokens, intervalMs }) {
  const running = startProcess('token-server', [path.join(benchDirectory, 'token-server.mjs'), '--tokens', String(tokens), '--interval-ms', String(intervalMs)]);
  const { url, baseURL } = await running.firstLine();
  return { url, baseURL, process: running };
}

export const loadGeneratorPath = path.join(benchDirectory, 'load-generator.mjs');

/**
 * Polls `GET url` every `intervalMs` (a new connection each time) until it answers 200;
 * resolves with performance.now() at that answer. Rejects when `running` exits or after `timeoutMs`.
 */
export function waitForOk(url, running, { intervalMs = 10, timeoutMs = 20_000 } = {}) {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let done = false;
    running.exited.then(({ code, signal }) => {
      if (!done) {
        done = true;
        reject(new Error(`${running.name} exited (${code ?? signal}) before ${url} answered: ${running.stderr()}`));
      }
    });
    const attempt = () => {
      if (done) return;
      if (performance.now() > deadline) {
        done = true;
        reject(new Error(`${url} did not answer 200 within ${timeoutMs} ms: ${running.stderr()}`));
        return;
      }
      const request = http.get(url, { agent: false, timeout: 1_000 }, (response) => {
        const at = performance.now();
        response.resume();
        if (response.statusCode === 200 && !done) {
          done = true;
          resolve(at);
        } else setTimeout(attempt, intervalMs);
      });
      request.once('timeout', () => request.destroy(new Error('timeout')));
      request.once('error', () => setTimeout(attempt, intervalMs));
    };
    attempt();
  });
}

/** Resident set size of a process in MB (VmRSS, /proc). */
export function residentMegabytes(pid) {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}
