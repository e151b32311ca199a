/**
 * The security suite: a real server process with accounts on, two users (alice, the admin,
 * and bob), and every refusal checked for its documented status and error code, with
 * alice's data checked intact at the end. Prints `security: N passed, M failed`.
 */
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import WebSocket from 'ws';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import { hashSecret } from '../../packages/server/src/auth/secrets.js';
import { makeWorkspace, readSse, runCli, startServer, stopAllServers, type ServerProcess, type Workspace } from '../support/server-process.js';
import { call, printSecuritySummary, securityCase } from './security-harness.js';

let upstream: OpenAICompatibleTestServer;
let workspace: Workspace;
let server: ServerProcess;
let url: string;
let redirector: Server;
let redirectorPort = 0;
const alice = { email: 'alice@example.com', password: 'alice has a long password', token: '', keyId: '', key: '', conversation: 'alice-secret-plans', messageId: '', lastEventId: '', agent: 'alice-agent', runId: '' };
const bob = { email: 'bob@example.com', password: 'bob has a long password too', token: '', id: '' };
const ALICE_SECRET_WORD = 'zanzibar-7731';

const as = (token: string) => ({ authorization: `Bearer ${token}` });

printSecuritySummary();

beforeAll(async () => {
  upstream = await startOpenAICompatibleTestServer({ models: ['scripted'], chat: { tokens: ['All', ' is', ' well'] } });
  // An allowed host that redirects to loopback: the guard must refuse the second hop.
  redirector = createServer((_request, response) => response.writeHead(302, { location: `http://127.0.0.1:${new URL(upstream.url).port}/v1/models` }).end());
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  redirectorPort = (redirector.address() as { port: number }).port;
  workspace = await makeWorkspace({ realModel: false });
  server = await startServer({
    cwd: workspace.dir,
    env: {
      AUTH: 'enabled', DATA_DIR: workspace.dataDir, MODELS_DIR: workspace.modelsDir, OPENAI_BASE_URL: upstream.baseURL,
      LOGIN_MAX_ATTEMPTS: '5', MAX_TOKENS_CAP: '4096', RATE_LIMIT_PER_MINUTE: '100000', CORS_ORIGINS: 'https://jarvis.example',
      OUTBOUND_ALLOW_HOSTS: `127.0.0.1:${redirectorPort}`,
    },
  });
  url = server.url;

  expect((await call(`${url}/api/v1/auth/register`, { method: 'POST', json: { email: alice.email, password: alice.password } })).status).toBe(201);
  alice.token = await login(alice.email, alice.password);
  const created = await call(`${url}/api/v1/admin/users`, { method: 'POST', headers: as(alice.token), json: { email: bob.email, password: bob.password } });
  bob.id = (JSON.parse(created.body) as { id: string }).id;
  bob.token = await login(bob.email, bob.password);
  const key = JSON.parse((await call(`${url}/api/v1/auth/api-keys`, { method: 'POST', headers: as(alice.token), json: { name: 'alice laptop' } })).body) as { key: string; api_key: { id: string } };
  [alice.key, alice.keyId] = [key.key, key.api_key.id];
  const stream = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { ...as(alice.token), 'content-type': 'application/json' }, body: JSON.stringify({ message: `My plans: ${ALICE_SECRET_WORD}`, session_id: alice.conversation }) });
  for await (const event of readSse(stream)) {
    alice.lastEventId = event.id ?? alice.lastEventId;
    if (event.event === 'message-start') alice.messageId = String(event.data.message_id);
  }
  const agent = await call(`${url}/api/v1/agents/`, { method: 'POST', headers: as(alice.token), json: { id: alice.agent, name: 'Alice agent', system_prompt: `Secret: ${ALICE_SECRET_WORD}` } });
  expect(agent.status, agent.body).toBe(201);
  const run = await call(`${url}/api/v1/agents/${alice.agent}/runs`, { method: 'POST', headers: as(alice.token), json: { input: 'work' } });
  expect(run.status, run.body).toBe(202);
  alice.runId = (JSON.parse(run.body) as { id: string }).id;
}, 60_000);

afterAll(async () => {
  await stopAllServers();
  await upstream?.close();
  await new Promise((resolve) => redirector?.close(resolve));
});

async function login(email: string, password: string): Promise<string> {
  const answer = await call(`${url}/api/v1/auth/login`, { method: 'POST', json: { email, password } });
  expect(answer.status, answer.body).toBe(200);
  return (JSON.parse(answer.body) as { token: string }).token;
}

function expectRefused(answer: { status: number; code: string | undefined; body: string }, status: number, code: string): void {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.code, answer.body).toBe(code);
  expect(answer.body).not.toMatch(/\bat .+\.(js|ts):\d+/); // no stack trace
}

describe('cross-user isolation: bob sends alice\'s ids', () => {
  const aliceRoutes: [string, string, () => string, unknown, number, string][] = [
    ['GET', 'the conversation', () => `/api/v1/conversations/${alice.conversation}`, undefined, 404, 'CONVERSATION_NOT_FOUND'],
    ['PATCH', 'a rename of the conversation', () => `/api/v1/conversations/${alice.conversation}`, { title: 'pwned' }, 404, 'CONVERSATION_NOT_FOUND'],
    ['DELETE', 'a delete of the conversation', () => `/api/v1/conversations/${alice.conversation}`, undefined, 404, 'CONVERSATION_NOT_FOUND'],
    ['GET', 'the JSON export', () => `/api/v1/conversations/${alice.conversation}/export?format=json`, undefined, 404, 'CONVERSATION_NOT_FOUND'],
    ['GET', 'the Markdown export', () => `/api/v1/conversations/${alice.conversation}/export?format=md`, undefined, 404, 'CONVERSATION_NOT_FOUND'],
    ['GET', 'the stream replay', () => `/api/v1/chat/stream/${alice.messageId}`, undefined, 404, 'STREAM_NOT_FOUND'],
    ['GET', 'the stream resume by query', () => `/api/v1/chat/stream/${alice.messageId}?last_event_id=${encodeURIComponent(alice.lastEventId)}`, undefined, 404, 'STREAM_NOT_FOUND'],
    ['POST', 'a stop of the reply', () => `/api/v1/chat/stream/${alice.messageId}/stop`, undefined, 404, 'STREAM_NOT_FOUND'],
    ['DELETE', 'a revocation of the API key', () => `/api/v1/auth/api-keys/${alice.keyId}`, undefined, 404, 'API_KEY_NOT_FOUND'],
    ['GET', 'her agent', () => `/api/v1/agents/${alice.agent}`, undefined, 404, 'AGENT_NOT_FOUND'],
    ['PATCH', 'a change of her agent', () => `/api/v1/agents/${alice.agent}`, { system_prompt: 'pwned' }, 404, 'AGENT_NOT_FOUND'],
    ['DELETE', 'a delete of her agent', () => `/api/v1/agents/${alice.agent}`, undefined, 404, 'AGENT_NOT_FOUND'],
    ['POST', 'a copy of her agent', () => `/api/v1/agents/${alice.agent}/duplicate`, {}, 404, 'AGENT_NOT_FOUND'],
    ['POST', 'a run of her agent', () => `/api/v1/agents/${alice.agent}/runs`, { input: 'leak' }, 404, 'AGENT_NOT_FOUND'],
    ['GET', 'her run', () => `/api/v1/runs/${alice.runId}`, undefined, 404, 'RUN_NOT_FOUND'],
    ['GET', 'her run\'s events', () => `/api/v1/runs/${alice.runId}/events`, undefined, 404, 'RUN_NOT_FOUND'],
    ['POST', 'a cancel of her run', () => `/api/v1/runs/${alice.runId}/cancel`, undefined, 404, 'RUN_NOT_FOUND'],
  ];
  for (const [method, what, path, body, status, code] of aliceRoutes) {
    securityCase(`bob gets ${status} ${code} for ${what} (${method})`, async () => {
      expectRefused(await call(`${url}${path()}`, { method, headers: as(bob.token), ...(body ? { json: body } : {}) }), status, code);
    });
  }

  securityCase('bob gets 404 STREAM_NOT_FOUND resuming alice\'s stream with Last-Event-ID on POST', async () => {
    expectRefused(await call(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { ...as(bob.token), 'last-event-id': alice.lastEventId }, json: { message: 'x' } }), 404, 'STREAM_NOT_FOUND');
  });

  securityCase('bob\'s chat with alice\'s session id goes to a conversation of his own', async () => {
    const answer = await call(`${url}/api/v1/chat/`, { method: 'POST', headers: as(bob.token), json: { message: 'hello', session_id: alice.conversation } });
    expect(answer.status).toBe(200);
    const mine = JSON.parse((await call(`${url}/api/v1/conversations/${alice.conversation}`, { headers: as(bob.token) })).body) as { messages: { content: string }[] };
    expect(mine.messages.map((m) => m.content)).toEqual(['hello', 'All is well']);
  });

  securityCase('bob\'s lists of agents and runs hold nothing of alice\'s', async () => {
    const agents = JSON.parse((await call(`${url}/api/v1/agents/`, { headers: as(bob.token) })).body) as { id: string; system_prompt: string }[];
    expect(agents.some((a) => a.id === alice.agent || a.system_prompt.includes(ALICE_SECRET_WORD))).toBe(false);
    expect(JSON.parse((await call(`${url}/api/v1/runs`, { headers: as(bob.token) })).body)).toEqual({ items: [], next_cursor: null });
  });

  securityCase('bob\'s search does not find alice\'s words', async () => {
    const answer = await call(`${url}/api/v1/conversations?q=${ALICE_SECRET_WORD}`, { headers: as(bob.token) });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ items: [], next_cursor: null });
  });

  for (const [frame, what] of [
    [() => ({ type: 'resume', last_event_id: alice.lastEventId }), 'a resume'],
    [() => ({ type: 'stop', message_id: alice.messageId }), 'a stop'],
  ] as const) {
    securityCase(`bob gets STREAM_NOT_FOUND for ${what} of alice's reply over the WebSocket`, async () => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/chat/ws`, { headers: as(bob.token) });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const reply = new Promise<Record<string, unknown>>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
      socket.send(JSON.stringify(frame()));
      expect(await reply).toMatchObject({ type: 'error', code: 'STREAM_NOT_FOUND' });
      socket.close();
    });
  }

  securityCase('bob cannot stop or read a reply alice is generating right now', async () => {
    upstream.script.chat = { tokens: Array.from({ length: 40 }, (_, i) => `w${i} `), delayMs: 10 };
    const response = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { ...as(alice.token), 'content-type': 'application/json' }, body: JSON.stringify({ message: 'live', session_id: 'alice-live' }) });
    let messageId = '';
    let text = '';
    let end: Record<string, unknown> | undefined;
    for await (const event of readSse(response)) {
      if (event.event === 'message-start') {
        messageId = String(event.data.message_id);
        expectRefused(await call(`${url}/api/v1/chat/stream/${messageId}/stop`, { method: 'POST', headers: as(bob.token) }), 404, 'STREAM_NOT_FOUND');
        expectRefused(await call(`${url}/api/v1/chat/stream/${messageId}`, { headers: as(bob.token) }), 404, 'STREAM_NOT_FOUND');
      }
      if (event.event === 'text-delta') text += String(event.data.text);
      if (event.event === 'message-end') end = event.data;
    }
    upstream.script.chat = undefined;
    expect(end).toMatchObject({ status: 'complete' });
    expect(text).toBe(Array.from({ length: 40 }, (_, i) => `w${i} `).join(''));
  });

  const adminOnly: [string, string, unknown][] = [
    ['GET', '/api/v1/admin/users', undefined],
    ['POST', '/api/v1/admin/users', { email: 'mallory@example.com', password: 'mallory password' }],
    ['PATCH', '/api/v1/admin/users/ALICE', { role: 'user' }],
    ['GET', '/api/v1/admin/settings', undefined],
    ['PUT', '/api/v1/admin/settings', { signup_policy: 'open' }],
    ['POST', '/api/v1/providers/test', { kind: 'ollama', base_url: 'http://example.com' }],
    ['GET', '/api/v1/admin/mcp-servers', undefined],
    ['POST', '/api/v1/admin/mcp-servers', { name: 'evil', transport: 'streamable-http', url: 'https://example.com/mcp' }],
  ];
  for (const [method, path, body] of adminOnly) {
    securityCase(`bob gets 403 FORBIDDEN on ${method} ${path}`, async () => {
      expectRefused(await call(`${url}${path}`, { method, headers: as(bob.token), ...(body ? { json: body } : {}) }), 403, 'FORBIDDEN');
    });
  }
});

describe('authentication bypass attempts', () => {
  const protectedRoutes: [string, string, unknown][] = [
    ['GET', '/api/v1/models/', undefined],
    ['GET', '/api/v1/agents/', undefined],
    ['GET', '/api/v1/conversations', undefined],
    ['GET', '/api/v1/conversations/alice-secret-plans', undefined],
    ['POST', '/api/v1/chat/', { message: 'hi' }],
    ['POST', '/api/v1/chat/stream', { message: 'hi' }],
    ['GET', '/api/v1/auth/me', undefined],
    ['GET', '/api/v1/auth/api-keys', undefined],
    ['GET', '/v1/models', undefined],
    ['POST', '/v1/chat/completions', { model: 'scripted', messages: [{ role: 'user', content: 'hi' }] }],
    ['POST', '/v1/embeddings', { model: 'scripted', input: 'hi' }],
    ['GET', '/api/v1/admin/users', undefined],
    ['GET', '/api/v1/tools', undefined],
    ['GET', '/api/v1/runs', undefined],
    ['POST', '/api/v1/agents/', { name: 'x' }],
    ['POST', '/api/v1/agents/jarvis/runs', { input: 'x' }],
  ];
  const credentials: [string, () => Record<string, string>][] = [
    ['no credential', () => ({})],
    ['a malformed bearer token', () => ({ authorization: 'Bearer not-a-token' })],
    ['an unknown session token', () => ({ authorization: 'Bearer sut_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })],
    ['an unknown API key', () => ({ authorization: 'Bearer sk-sutazai-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })],
    ['an expired session', () => ({ authorization: `Bearer ${expiredToken}` })],
    ['a revoked API key', () => ({ authorization: `Bearer ${revokedKey}` })],
    ['a signed-out session', () => ({ authorization: `Bearer ${signedOutToken}` })],
    ['a tampered session cookie', () => ({ cookie: `sutazai_session=${alice.token.slice(0, -2)}xx` })],
    ['a disabled user\'s token', () => ({ authorization: `Bearer ${disabledToken}` })],
  ];
  let expiredToken = '';
  let revokedKey = '';
  let signedOutToken = '';
  let disabledToken = '';

  beforeAll(async () => {
    // An expired session, written where the server keeps sessions (its SQLite file).
    expiredToken = 'sut_expiredexpiredexpiredexpiredexpiredexpire';
    const db = new Database(path.join(workspace.dataDir, 'sutazai.db'));
    const owner = (db.prepare('select id from users where email = ?').get(alice.email) as { id: string }).id;
    db.prepare('insert into sessions (id, owner_id, token_hash, created_at, expires_at, revoked_at) values (?, ?, ?, ?, ?, null)').run('EXPIRED1', owner, hashSecret(expiredToken), Date.now() - 7200_000, Date.now() - 3600_000);
    db.close();
    const key = JSON.parse((await call(`${url}/api/v1/auth/api-keys`, { method: 'POST', headers: as(alice.token), json: { name: 'to revoke' } })).body) as { key: string; api_key: { id: string } };
    revokedKey = key.key;
    expect((await call(`${url}/api/v1/auth/api-keys/${key.api_key.id}`, { method: 'DELETE', headers: as(alice.token) })).status).toBe(204);
    signedOutToken = await login(alice.email, alice.password);
    expect((await call(`${url}/api/v1/auth/logout`, { method: 'POST', headers: as(signedOutToken) })).status).toBe(204);
    await call(`${url}/api/v1/admin/users`, { method: 'POST', headers: as(alice.token), json: { email: 'carol@example.com', password: 'carol long password' } });
    disabledToken = await login('carol@example.com', 'carol long password');
    const carol = (JSON.parse((await call(`${url}/api/v1/admin/users`, { headers: as(alice.token) })).body) as { items: { id: string; email: string }[] }).items.find((u) => u.email === 'carol@example.com')!;
    expect((await call(`${url}/api/v1/admin/users/${carol.id}`, { method: 'PATCH', headers: as(alice.token), json: { disabled: true } })).status).toBe(200);
  });

  for (const [credential, headers] of credentials) {
    for (const [method, route, body] of protectedRoutes) {
      securityCase(`${method} ${route} with ${credential} answers 401 UNAUTHENTICATED`, async () => {
        expectRefused(await call(`${url}${route}`, { method, headers: headers(), ...(body ? { json: body } : {}) }), 401, 'UNAUTHENTICATED');
      });
    }
  }

  securityCase('the WebSocket refuses an upgrade without a credential', async () => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/chat/ws`);
    const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)).once('open', () => resolve(101)));
    expect(status).toBe(401);
  });

  securityCase('a write with the session cookie but no CSRF header answers 403 CSRF_FAILED', async () => {
    expectRefused(await call(`${url}/api/v1/auth/api-keys`, { method: 'POST', headers: { cookie: `sutazai_session=${alice.token}` }, json: { name: 'csrf' } }), 403, 'CSRF_FAILED');
  });

  securityCase('a write with the cookie and a CSRF header that does not match answers 403 CSRF_FAILED', async () => {
    expectRefused(await call(`${url}/api/v1/auth/api-keys`, { method: 'POST', headers: { cookie: `sutazai_session=${alice.token}; sutazai_csrf=aaaaaaaaaaaaaaaaaaaaaaaa`, 'x-csrf-token': 'bbbbbbbbbbbbbbbbbbbbbbbb' }, json: { name: 'csrf' } }), 403, 'CSRF_FAILED');
  });

  securityCase('sign-up is closed once the admin exists', async () => {
    expectRefused(await call(`${url}/api/v1/auth/register`, { method: 'POST', json: { email: 'eve@example.com', password: 'eve long password' } }), 403, 'SIGNUP_CLOSED');
  });
});

describe('bad input', () => {
  const bad: [string, () => Promise<{ status: number; code: string | undefined; body: string }>, number, string][] = [
    // By hand: the server answers and closes before the upload ends, which fetch reports as EPIPE.
    ['a body over the size limit', () => rawRequest('POST', '/api/v1/chat/', {}, JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) })), 413, 'PAYLOAD_TOO_LARGE'],
    ['a Content-Length over the limit, refused before the body is sent', () => rawRequest('POST', '/api/v1/chat/', { 'content-length': String(50 * 1024 * 1024) }, ''), 413, 'PAYLOAD_TOO_LARGE'],
    ['a Content-Length over the sign-in route\'s small limit', () => rawRequest('POST', '/api/v1/auth/login', { 'content-length': String(64 * 1024) }, ''), 413, 'PAYLOAD_TOO_LARGE'],
    ['a Content-Length shorter than the body', () => rawRequest('POST', '/api/v1/chat/', { 'content-length': '5' }, '{"message":"hello"}'), 400, 'MALFORMED_REQUEST'],
    ['JSON nested 200 levels deep', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: { ...as(bob.token), 'content-type': 'application/json' }, body: `{"message":"x","a":${'['.repeat(200)}${']'.repeat(200)}}` }), 400, 'JSON_TOO_DEEP'],
    ['a body that is not UTF-8', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: { ...as(bob.token), 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }), 400, 'INVALID_UTF8'],
    ['a body that is not JSON', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: { ...as(bob.token), 'content-type': 'application/json' }, body: '{"message":' }), 400, 'INVALID_JSON'],
    ['an empty JSON body', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: { ...as(bob.token), 'content-type': 'application/json' }, body: '' }), 400, 'INVALID_JSON'],
    ['a text/plain body', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: { ...as(bob.token), 'content-type': 'text/plain' }, body: 'hello' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a path-traversal session id', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: as(bob.token), json: { message: 'x', session_id: '../../etc/passwd' } }), 400, 'VALIDATION_FAILED'],
    ['a path-traversal conversation id in the URL', () => call(`${url}/api/v1/conversations/..%2F..%2Fetc%2Fpasswd`, { headers: as(bob.token) }), 400, 'VALIDATION_FAILED'],
    ['a huge max_tokens', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: as(bob.token), json: { message: 'x', max_tokens: 999_999 } }), 400, 'VALIDATION_FAILED'],
    ['a huge max_tokens on the OpenAI route', () => call(`${url}/v1/chat/completions`, { method: 'POST', headers: as(bob.token), json: { model: 'scripted', messages: [{ role: 'user', content: 'x' }], max_tokens: 999_999 } }), 400, 'VALIDATION_FAILED'],
    ['a message over 100,000 characters', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: as(bob.token), json: { message: 'y'.repeat(100_001) } }), 400, 'VALIDATION_FAILED'],
    ['a negative temperature', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: as(bob.token), json: { message: 'x', temperature: -1 } }), 400, 'VALIDATION_FAILED'],
    ['a message of the wrong type', () => call(`${url}/api/v1/chat/`, { method: 'POST', headers: as(bob.token), json: { message: { $gt: '' } } }), 400, 'VALIDATION_FAILED'],
    ['an unknown route', () => call(`${url}/api/v1/../../etc/passwd`, { headers: as(bob.token) }), 404, 'ROUTE_NOT_FOUND'],
    ['a method the route does not have', () => call(`${url}/api/v1/chat/`, { method: 'PUT', headers: as(bob.token), json: {} }), 404, 'ROUTE_NOT_FOUND'],
    ['a cursor that was not made by the server', () => call(`${url}/api/v1/conversations?cursor=%27%20or%201%3D1--`, { headers: as(bob.token) }), 400, 'VALIDATION_FAILED'],
    ['an email that is not one at sign-up', () => call(`${url}/api/v1/auth/register`, { method: 'POST', json: { email: 'not an email', password: 'long enough password' } }), 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, send, status, code] of bad) {
    securityCase(`${what} answers ${status} ${code}`, async () => expectRefused(await send(), status, code));
  }

  securityCase('a __proto__ key in a body pollutes nothing', async () => {
    const answer = await call(`${url}/api/v1/chat/`, { method: 'POST', headers: { ...as(bob.token), 'content-type': 'application/json' }, body: '{"message":"hi","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}' });
    expect(answer.status).toBe(200);
    expect((await call(`${url}/api/v1/agents/`, { headers: as(bob.token) })).body).not.toContain('polluted');
  });
});

describe('server-side request forgery', () => {
  const targets: [string, string][] = [
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['the metadata host name', 'http://metadata.google.internal/computeMetadata/v1/'],
    ['Alibaba\'s metadata address', 'http://100.100.100.200/latest/meta-data/'],
    ['IPv6-mapped loopback', 'http://[::ffff:127.0.0.1]:11434'],
    ['IPv6-mapped loopback in hex', 'http://[::ffff:7f00:1]:11434'],
    ['IPv6 loopback', 'http://[::1]:11434'],
    ['decimal loopback', 'http://2130706433:11434'],
    ['hexadecimal loopback', 'http://0x7f000001:11434'],
    ['octal loopback', 'http://0177.0.0.1:11434'],
    ['short-form loopback', 'http://127.1:11434'],
    ['localhost', 'http://localhost:11434'],
    ['a private address', 'http://10.0.0.1:11434'],
    ['another private address', 'http://192.168.1.1:11434'],
    ['a link-local address', 'http://169.254.1.1:11434'],
    ['the unspecified address', 'http://0.0.0.0:11434'],
    ['a file URL', 'file:///etc/passwd'],
    ['a gopher URL', 'gopher://127.0.0.1:6379/_INFO'],
    ['credentials in the URL', 'http://user:pass@example.com/'],
  ];
  for (const [what, target] of targets) {
    securityCase(`testing ${what} as a model server answers 403 OUTBOUND_REQUEST_BLOCKED`, async () => {
      expectRefused(await call(`${url}/api/v1/providers/test`, { method: 'POST', headers: as(alice.token), json: { kind: 'ollama', base_url: target } }), 403, 'OUTBOUND_REQUEST_BLOCKED');
    });
  }

  securityCase('a redirect from an allowed host to loopback answers 403 OUTBOUND_REQUEST_BLOCKED', async () => {
    const before = upstream.requests.length;
    expectRefused(await call(`${url}/api/v1/providers/test`, { method: 'POST', headers: as(alice.token), json: { kind: 'openai-compatible', base_url: `http://127.0.0.1:${redirectorPort}/v1` } }), 403, 'OUTBOUND_REQUEST_BLOCKED');
    expect(upstream.requests.length, 'the loopback server behind the redirect was reached').toBe(before);
  });
});

describe('sign-in brute force', () => {
  securityCase('the sixth wrong password for bob, and then his right one, answer 429 LOGIN_RATE_LIMITED with Retry-After', async () => {
    for (let i = 0; i < 5; i++) expectRefused(await call(`${url}/api/v1/auth/login`, { method: 'POST', json: { email: bob.email, password: `guess number ${i}` } }), 401, 'INVALID_CREDENTIALS');
    const wrong = await call(`${url}/api/v1/auth/login`, { method: 'POST', json: { email: bob.email, password: 'guess number 6' } });
    expectRefused(wrong, 429, 'LOGIN_RATE_LIMITED');
    const right = await call(`${url}/api/v1/auth/login`, { method: 'POST', json: { email: bob.email, password: bob.password } });
    expectRefused(right, 429, 'LOGIN_RATE_LIMITED');
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  }, 60_000);

  securityCase('the lock on bob leaves alice able to sign in', async () => {
    expect((await call(`${url}/api/v1/auth/login`, { method: 'POST', json: { email: alice.email, password: alice.password } })).status).toBe(200);
  });

  securityCase('an unknown email answers exactly like a wrong password', async () => {
    const unknown = await call(`${url}/api/v1/auth/login`, { method: 'POST', json: { email: 'nobody@example.com', password: 'some password' } });
    expectRefused(unknown, 401, 'INVALID_CREDENTIALS');
  });
});

describe('headers and single-user mode', () => {
  securityCase('every answer carries a CSP without inline script, frame-ancestors none and nosniff', async () => {
    for (const path of ['/health', '/api/v1/auth/me', '/api/v1/nothing']) {
      const answer = await call(`${url}${path}`);
      const csp = answer.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  securityCase('CORS answers only the allowed origin', async () => {
    const allowed = await call(`${url}/api/v1/auth/me`, { method: 'OPTIONS', headers: { origin: 'https://jarvis.example', 'access-control-request-method': 'GET' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://jarvis.example');
    const other = await call(`${url}/api/v1/auth/me`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  securityCase('AUTH=disabled on a public address refuses to start and says why', async () => {
    const result = await runCli(['serve'], { env: { AUTH: 'disabled', HOST: '0.0.0.0', PORT: '0', DATA_DIR: path.join(workspace.dir, 'other-data') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/AUTH="disabled" is refused because HOST="0.0.0.0"/);
  });

  securityCase('after everything, alice\'s data is intact and the server still serves', async () => {
    const conversation = JSON.parse((await call(`${url}/api/v1/conversations/${alice.conversation}`, { headers: as(alice.token) })).body) as { title: string; messages: { content: string }[] };
    expect(conversation.title).toBe(`My plans: ${ALICE_SECRET_WORD}`);
    expect(conversation.messages.map((m) => m.content)).toEqual([`My plans: ${ALICE_SECRET_WORD}`, 'All is well']);
    expect((await call(`${url}/v1/models`, { headers: as(alice.key) })).status).toBe(200);
    expect((await call(`${url}/health`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

/** A request written by hand, for headers fetch will not send (a lying Content-Length). */
function rawRequest(method: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; code: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data)?.[1];
      if (end >= 0 && length !== undefined && data.length >= end + 4 + Number(length)) socket.end();
    });
    // A server that answers early and closes makes the rest of the upload fail: the answer counts.
    socket.on('error', (error) => (data ? undefined : reject(error)));
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      const text = data.slice(data.indexOf('\r\n\r\n') + 4);
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      resolve({ status, code, body: text });
    });
    const withLength = { 'content-length': String(Buffer.byteLength(body)), ...headers };
    const lines = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, 'content-type: application/json', `authorization: Bearer ${bob.token}`, 'connection: close', ...Object.entries(withLength).map(([k, v]) => `${k}: ${v}`)];
    // The body follows the headers after a pause, as a client waiting for an early refusal
    // would send it: a server that refuses by Content-Length has answered by then.
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    setTimeout(() => {
      if (!data && !socket.destroyed) socket.write(body);
    }, 300).unref();
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}
