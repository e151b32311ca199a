/**
 * An OpenAI-compatible model server whose replies look like real assistant answers in
 * Markdown (prose, lists, code blocks, tables, quotes), so a long conversation seeded
 * through SutazAI costs the browser what a real one does: parsing, highlighting, layout.
 *
 * The reply is chosen by the number in the last user message ("Question 17: ..." gets reply
 * 17), so the same seed gives the same conversation. `GET /v1/models` and
 * `POST /v1/chat/completions`, streamed (`chat.completion.chunk` events, usage, `[DONE]`) or whole.
 *
 * Run alone: `node bench/browser-reply-server.mjs [--port 0]`; it prints `{"url", "baseURL"}`.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { openAIError, sendJson } from './token-server.mjs';

export const REPLY_MODEL = 'bench-markdown';

const TOPICS = ['the backup job', 'a slow query', 'the Redis cache', 'log rotation', 'TLS certificates', 'the build pipeline', 'memory use', 'a flaky test'];

/** The user message of turn `index`. */
export function question(index) {
  return `Question ${index}: what should I check about ${TOPICS[index % TOPICS.length]}?`;
}

/** The Markdown reply of turn `index`: six shapes in turn, each a few hundred characters to a screenful. */
export function reply(index) {
  const topic = TOPICS[index % TOPICS.length];
  switch (index % 6) {
    case 0:
      return `Here is how I would look at **${topic}** (turn ${index}).\n\nStart with what changed recently: a deploy, a configuration edit or a new dependency. `
        + `Then compare the numbers with a quiet day, for example with \`journalctl --since yesterday\`, and note anything that moved by more than a few percent.\n\n`
        + `If nothing stands out, the cause is usually load: more requests, bigger requests, or a neighbour on the same machine taking the CPU.`;
    case 1:
      return `A checklist for ${topic}:\n\n- Is it enabled, and on every host?\n- Does it log, and where do the logs go?\n- When did it last succeed, and how long did it take?\n`
        + `- Who is told when it fails?\n- Is there a way to run it by hand, \`now\`, to test it?\n\nTick them in order; the first "no" is where to start (turn ${index}).`;
    case 2:
      return `A small TypeScript helper for ${topic}, retrying with backoff:\n\n\`\`\`ts\nexport async function retry<T>(action: () => Promise<T>, attempts = 5): Promise<T> {\n`
        + `  let delay = 100;\n  for (let attempt = 1; ; attempt++) {\n    try {\n      return await action();\n    } catch (error) {\n      if (attempt >= attempts) throw error;\n`
        + `      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));\n      delay *= 2;\n    }\n  }\n}\n\`\`\`\n\nCall it around the one step that fails now and then (turn ${index}).`;
    case 3:
      return `In Python, the same check for ${topic} reads:\n\n\`\`\`python\nimport subprocess\nimport sys\n\n\ndef check(name: str) -> bool:\n`
        + `    result = subprocess.run(["systemctl", "is-active", name], capture_output=True, text=True)\n    return result.stdout.strip() == "active"\n\n\n`
        + `if __name__ == "__main__":\n    sys.exit(0 if check(sys.argv[1]) else 1)\n\`\`\`\n\nIt exits 1 when the unit is down, so a cron job can mail you (turn ${index}).`;
    case 4:
      return `What to compare for ${topic}:\n\n| measure | normal | now | action |\n| --- | --- | --- | --- |\n| duration | 2 min | 9 min | look at disk I/O |\n`
        + `| errors | 0 | 3 | read the last log lines |\n| size | 1.2 GB | 1.3 GB | none |\n\nOnly the first two rows need work (turn ${index}).`;
    default:
      return `Three steps for ${topic}:\n\n1. Reproduce it once, on purpose.\n2. Change one thing.\n3. Reproduce it again and compare.\n\n`
        + `> Measure before you fix: a guess that feels right is often wrong.\n\nThe [runbook](https://example.com/runbook) has the details (turn ${index}).`;
  }
}

export async function startReplyServer({ port = 0, host = '127.0.0.1' } = {}) {
  let served = 0;
  const server = http.createServer((request, response) => {
    handle(request, response).then(() => served++, (error) => {
      if (!response.headersSent) sendJson(response, 500, openAIError(String(error?.message ?? error), 'server_error'));
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    served: () => served,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(request, response) {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && path === '/v1/models') {
    return sendJson(response, 200, { object: 'list', data: [{ id: REPLY_MODEL, object: 'model', created: 1_700_000_000, owned_by: 'bench' }] });
  }
  if (request.method !== 'POST' || path !== '/v1/chat/completions') {
    return sendJson(response, 404, openAIError(`Unknown route ${request.method} ${path}`, 'invalid_request_error', 'not_found'));
  }
  let body;
  try {
    body = JSON.parse(await readBody(request));
  } catch {
    return sendJson(response, 400, openAIError('The body is not valid JSON.', 'invalid_request_error'));
  }
  if (!Array.isArray(body?.messages)) return sendJson(response, 400, openAIError('`messages` is required.', 'invalid_request_error'));
  if (body.model !== REPLY_MODEL) return sendJson(response, 404, openAIError(`The model \`${body.model}\` does not exist.`, 'invalid_request_error', 'model_not_found'));

  const lastUser = [...body.messages].reverse().find((message) => message?.role === 'user');
  const index = Number(/Question (\d+)/.exec(String(lastUser?.content ?? ''))?.[1] ?? 0);
  const text = reply(index);
  const pieces = text.match(/\s*\S+/g) ?? [text];
  const usage = { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length };
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  if (body.stream !== true) {
    return sendJson(response, 200, {
      id, object: 'chat.completion', created, model: REPLY_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }], usage,
    });
  }
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (choices, extra = {}) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: REPLY_MODEL, choices, ...extra })}\n\n`;
  let out = chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  for (const piece of pieces) out += chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
  out += chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
  if (includeUsage) out += chunk([], { usage });
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.end(`${out}data: [DONE]\n\n`);
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const parts = [];
    request.on('data', (part) => parts.push(part));
    request.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    request.once('error', reject);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
  const server = await startReplyServer({ port: Number(values.port) });
  process.stdout.write(`${JSON.stringify({ url: server.url, baseURL: server.baseURL })}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
