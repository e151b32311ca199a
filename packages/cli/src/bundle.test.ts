/**
 * `npm start` runs the bundle (`dist/bundle/sutazai.mjs`, made by `npm run build` from
 * `dist/main.js`), while the other tests run `dist/main.js`: this checks the bundle is the
 * same program. Started as a user starts it, with the real tiny model, it answers health, the
 * OpenAPI document, the web UI and a chat through the embedded engine (a package it loads from
 * node_modules on first use), and stores the reply before stopping cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bundle = path.join(repoRoot, 'packages/cli/dist/bundle/sutazai.mjs');
const testModel = path.resolve(repoRoot, process.env.SUTAZAI_TEST_MODEL ?? '../shared/models/stories260K.gguf');

let home: string;
let child: ChildProcess;
let url: string;
let stdout = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  if (!existsSync(bundle)) throw new Error(`${bundle} does not exist: run \`npm run build\` first.`);
  if (!existsSync(testModel)) throw new Error(`The test model ${testModel} is missing; set SUTAZAI_TEST_MODEL to a GGUF file.`);
  home = mkdtempSync(path.join(tmpdir(), 'sutazai-bundle-'));
  mkdirSync(path.join(home, 'models'));
  symlinkSync(testModel, path.join(home, 'models', path.basename(testModel)));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', AUTH: 'disabled', LLAMA_CONTEXT_SIZE: '256', DATA_DIR: path.join(home, 'data'), MODELS_DIR: path.join(home, 'models') };
  child = spawn(process.execPath, [bundle, 'serve'], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (part: string) => (stdout += part));
  child.stderr!.setEncoding('utf8').on('data', (part: string) => (stderr += part));
  exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`the bundle exited with ${child.exitCode}: ${stderr}${stdout}`);
    if (Date.now() > deadline) throw new Error(`the bundle did not serve within 30 s: ${stderr}${stdout}`);
    url = /"url":"(http:\/\/[^"]+)"/.exec(stdout)?.[1] ?? '';
    if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('the bundle npm start runs', () => {
  it('serves /health with exactly the liveness body', async () => {
    const response = await fetch(`${url}/health`);
    expect(await response.text()).toBe('{"status":"healthy","app":"SutazAI Platform API"}');
  });

  it('serves the OpenAPI document and the web UI', async () => {
    const openapi = await fetch(`${url}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(Object.keys((await openapi.json() as { paths: object }).paths)).toContain('/api/v1/chat/');
    const page = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  });

  it('chats with the real model through the embedded engine and keeps the reply', async () => {
    const model = path.basename(testModel).replace(/\.gguf$/i, '');
    const response = await fetch(`${url}/api/v1/chat/`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Once upon a time', model, session_id: 'bundle-test', max_tokens: 16 }),
    });
    const body = await response.json() as { status: string; response: string; model: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: 'success', model });
    const stored = await (await fetch(`${url}/api/v1/conversations/bundle-test`)).json() as { messages: { role: string; status: string }[] };
    expect(stored.messages.map((message) => [message.role, message.status])).toEqual([['user', 'complete'], ['assistant', 'complete']]);
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
