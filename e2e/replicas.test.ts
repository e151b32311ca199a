/**
 * Several replicas, as real processes: `sutazai serve` twice on different ports, sharing one
 * PostgreSQL schema and the real Redis, with a scripted OpenAI-compatible model that streams
 * slowly. A stream started on one replica is resumed and stopped on the other, rate limits
 * hold across both, a replica killed mid-stream leaves its reply interrupted while the other
 * keeps serving. Then Redis and PostgreSQL go away under a replica (through a TCP proxy this
 * test cuts: the real servers stay up for the other tests) and come back.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import { redisTestUrl } from '../packages/server/src/events/test-support/redis-fixture.js';
import { startTcpProxy, type TcpProxy } from '../packages/server/src/events/test-support/tcp-proxy.js';
import { postgresTestUrl, runOnPostgres } from '../packages/server/src/storage/test-support/storage-fixtures.js';
import { until } from '../packages/server/src/test-support/until.js';
import { freePort, makeWorkspace, readSse, sleep, startServer, stopAllServers, type ServerProcess, type SseEvent, type Workspace } from './support/server-process.js';

const RATE_LIMIT = 40;
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `);
const json = { 'content-type': 'application/json' };

interface Reading {
  events: SseEvent[];
  text(): string;
  /** Resolves when the stream ends or breaks. */
  done: Promise<void>;
  abort(): void;
}

/** Reads an SSE response in the background. */
function read(response: Response, controller: AbortController): Reading {
  const events: SseEvent[] = [];
  const done = (async () => {
    try {
      for await (const event of readSse(response)) events.push(event);
    } catch {
      // aborted by the test, or the server died
    }
  })();
  return {
    events,
    text: () => events.filter((e) => e.event === 'text-delta').map((e) => String(e.data.text)).join(''),
    done,
    abort: () => controller.abort(),
  };
}

const seqOf = (event: SseEvent) => Number(event.id!.split(':')[1]);

describe('two replicas on PostgreSQL and Redis', () => {
  const schema = `e2e_replicas_${randomBytes(5).toString('hex')}`;
  let upstream: OpenAICompatibleTestServer;
  let workspace: Workspace;
  let env: Record<string, string>;
  let a: ServerProcess;
  let b: ServerProcess;
  let adminToken: string;

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const startStream = async (server: ServerProcess, token: string, message: string): Promise<Reading & { messageId: () => string }> => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/v1/chat/stream`, {
      method: 'POST', headers: { ...json, ...auth(token) }, body: JSON.stringify({ message, model: 'scripted' }), signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reading = read(response, controller);
    return { ...reading, messageId: () => String(reading.events.find((e) => e.event === 'message-start')?.data.message_id) };
  };
  const resume = async (server: ServerProcess, token: string, lastEventId: string): Promise<Reading> => {
    const controller = new AbortController();
    const messageId = lastEventId.split(':')[0]!;
    const response = await fetch(`${server.url}/api/v1/chat/stream/${messageId}`, { headers: { ...auth(token), 'last-event-id': lastEventId }, signal: controller.signal });
    expect(response.status).toBe(200);
    return read(response, controller);
  };
  const newUser = async (): Promise<string> => {
    const email = `${randomBytes(4).toString('hex')}@example.com`;
    // On B: A is killed half-way through this file.
    const created = await fetch(`${b.url}/api/v1/admin/users`, { method: 'POST', headers: { ...json, ...auth(adminToken) }, body: JSON.stringify({ email, password: 'a long password', role: 'user' }) });
    expect(created.status).toBe(201);
    const login = await fetch(`${b.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: 'a long password' }) });
    return ((await login.json()) as { token: string }).token;
  };
  const messageOf = async (server: ServerProcess, token: string, sessionId: string, messageId: string) => {
    const response = await fetch(`${server.url}/api/v1/conversations/${sessionId}`, { headers: auth(token) });
    const conversation = (await response.json()) as { messages: Array<{ id: string; content: string; status: string; error_code: string | null }> };
    return conversation.messages.find((m) => m.id === messageId);
  };

  /** A message as PostgreSQL has it. */
  const storedMessage = async (id: string) => {
    const client = new pg.Client({ connectionString: postgresTestUrl });
    await client.connect();
    try {
      return (await client.query<{ content: string; status: string }>(`select content, status from "${schema}".messages where id = $1`, [id])).rows[0];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    workspace = await makeWorkspace({ realModel: false });
    env = {
      ...workspace.env,
      AUTH: 'enabled',
      DATABASE_URL: `${postgresTestUrl}?schema=${schema}`,
      REDIS_URL: redisTestUrl,
      OPENAI_BASE_URL: upstream.baseURL,
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    };
    a = await startServer({ env });
    b = await startServer({ env });
    await fetch(`${a.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email: 'admin@example.com', password: 'admin password' }) });
    adminToken = ((await (await fetch(`${a.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: 'admin@example.com', password: 'admin password' }) })).json()) as { token: string }).token;
  }, 120_000);

  afterAll(async () => {
    await stopAllServers();
    await upstream?.close();
    workspace?.remove();
    await runOnPostgres(`drop schema if exists "${schema}" cascade`);
  });

  it('resumes on B a stream started on A with Last-Event-ID, nothing lost or repeated', async () => {
    const token = await newUser();
    const expected = words(60, 'r');
    upstream.script.chat = { tokens: expected, delayMs: 25 };
    const onA = await startStream(a, token, 'Count for me.');
    await until(() => onA.events.filter((e) => e.event === 'text-delta').length, (n) => n >= 10, 20_000, 'ten tokens on A');
    onA.abort();
    await onA.done;
    const seenOnA = [...onA.events];
    const onB = await resume(b, token, seenOnA.at(-1)!.id!);
    await onB.done;
    const all = [...seenOnA, ...onB.events];
    expect(all.map(seqOf)).toEqual(all.map((_, i) => i));
    const text = all.filter((e) => e.event === 'text-delta').map((e) => String(e.data.text)).join('');
    expect(text).toBe(expected.join(''));
    expect(onB.events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'complete' } });
    const sessionId = String(seenOnA[0]!.data.session_id);
    expect(await messageOf(b, token, sessionId, String(seenOnA[0]!.data.message_id))).toMatchObject({ status: 'complete', content: expected.join('') });
  });

  it('stops on A a generation when stop is pressed on B, aborting the upstream request', async () => {
    const token = await newUser();
    upstream.script.chat = { tokens: words(400, 's'), delayMs: 25 };
    const requestsBefore = upstream.requests.length;
    const onA = await startStream(a, token, 'Go on and on.');
    await until(() => onA.text().length, (n) => n > 20, 20_000, 'text on A');
    const stop = await fetch(`${b.url}/api/v1/chat/stream/${onA.messageId()}/stop`, { method: 'POST', headers: auth(token) });
    expect(stop.status).toBe(202);
    await onA.done;
    expect(onA.events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted', finish_reason: 'stopped' } });
    const upstreamRequest = upstream.requests.slice(requestsBefore).find((r) => r.endpoint === 'chat')!;
    await upstreamRequest.disconnected;
    expect(upstreamRequest.wasDisconnected).toBe(true);
    const stored = await messageOf(b, token, String(onA.events[0]!.data.session_id), onA.messageId());
    expect(stored).toMatchObject({ status: 'interrupted', content: onA.text() });
    // Over is over, on either replica.
    expect((await fetch(`${a.url}/api/v1/chat/stream/${onA.messageId()}/stop`, { method: 'POST', headers: auth(token) })).status).toBe(404);
  });

  it('counts one user\'s requests on both replicas against one limit', async () => {
    const token = await newUser();
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 4; i++) {
      const server = i % 2 === 0 ? a : b;
      statuses.push((await fetch(`${server.url}/api/v1/agents/`, { headers: auth(token) })).status);
    }
    expect(statuses.slice(0, RATE_LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(RATE_LIMIT)).toEqual([429, 429, 429, 429]);
  });

  it('leaves a reply interrupted with all its delivered text when its replica is killed mid-stream; the other keeps serving', async () => {
    const token = await newUser();
    upstream.script.chat = { tokens: words(2000, 'k'), delayMs: 20 };
    const onA = await startStream(a, token, 'A long story.');
    await until(() => onA.text().length, (n) => n > 30, 20_000, 'text on A');
    const followed = await resume(b, token, onA.events.at(-1)!.id!);
    // Long enough for a progress save (every second) to carry text.
    await sleep(1500);
    await a.stop('SIGKILL');
    const killedAt = Date.now();

    // B ends its follower's stream once A's heartbeat key expires ...
    await followed.done;
    // What reached a client, on either replica, by position.
    const bySeq = new Map([...onA.events, ...followed.events].map((e) => [seqOf(e), e]));
    const delivered = [...bySeq.keys()].sort((x, y) => x - y).map((seq) => bySeq.get(seq)!).filter((e) => e.event === 'text-delta').map((e) => String(e.data.text)).join('');
    expect(followed.events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted', finish_reason: 'REPLICA_LOST' } });
    expect(words(2000, 'k').join('').startsWith(delivered)).toBe(true);
    // ... and its sweeper stores the reply as interrupted, with every delivered character: the
    // last second after A's final progress save is read back from the stream in Redis.
    // Read straight from PostgreSQL: polling the API would run into the rate limit.
    const stored = await until(() => storedMessage(onA.messageId()), (m) => m?.status === 'interrupted', 45_000, 'the sweeper');
    expect(stored!.content).toBe(delivered);
    console.info(`killed replica: reply interrupted after ${Date.now() - killedAt} ms, ${stored!.content.length} of ${delivered.length} delivered characters stored`);

    // B serves new turns all along.
    upstream.script.chat = { tokens: ['Still', ' here.'] };
    const reply = await fetch(`${b.url}/api/v1/chat/`, { method: 'POST', headers: { ...json, ...auth(token) }, body: JSON.stringify({ message: 'Are you there?', model: 'scripted' }) });
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { response: string }).response).toBe('Still here.');
  }, 90_000);

  describe('Redis away', () => {
    let proxy: TcpProxy;
    afterAll(() => proxy?.close());

    it('refuses limited requests with 503 LIMITS_UNAVAILABLE while Redis is away (refuse), and recovers by itself', async () => {
      const redis = new URL(redisTestUrl);
      proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
      const c = await startServer({ env: { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, RATE_LIMIT_WHEN_REDIS_DOWN: 'refuse' } });
      const token = await newUser();
      expect((await fetch(`${c.url}/api/v1/agents/`, { headers: auth(token) })).status).toBe(200);
      proxy.cut();
      const refused = await until(() => fetch(`${c.url}/api/v1/agents/`, { headers: auth(token) }), (r) => r.status === 503, 20_000, '503 while Redis is away');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('LIMITS_UNAVAILABLE');
      const health = (await (await fetch(`${c.url}/health/detailed`, { headers: auth(adminToken) })).json()) as { services: Array<{ name: string; status: string }> };
      expect(health.services.find((s) => s.name === 'redis')?.status).toBe('down');
      proxy.restore();
      const restoredAt = Date.now();
      await until(() => fetch(`${c.url}/api/v1/agents/`, { headers: auth(token) }), (r) => r.status === 200, 15_000, 'recovery');
      console.info(`Redis back: served again after ${Date.now() - restoredAt} ms`);
      expect(c.child.exitCode).toBeNull();
      await c.stop();
    });

    it('serves without limits and streams from memory when Redis never answers (allow)', async () => {
      const d = await startServer({ env: { ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_WHEN_REDIS_DOWN: 'allow' } });
      const token = await newUser();
      upstream.script.chat = { tokens: words(20, 'm'), delayMs: 5 };
      const stream = await startStream(d, token, 'Hello without Redis.');
      await stream.done;
      expect(stream.text()).toBe(words(20, 'm').join(''));
      expect(stream.events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'complete' } });
      await d.stop();
    });
  });

  it('answers 503 DATABASE_UNAVAILABLE fast while PostgreSQL is away, recovers by itself, and loses no acknowledged write', async () => {
    const postgres = new URL(postgresTestUrl);
    const proxy = await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    try {
      const proxied = new URL(postgresTestUrl);
      proxied.host = `127.0.0.1:${proxy.port}`;
      // A high rate limit: this is about the database, and the load is many requests.
      const e = await startServer({ env: { ...env, DATABASE_URL: `${proxied.toString()}?schema=${schema}`, RATE_LIMIT_PER_MINUTE: '100000' } });
      const token = await newUser();
      upstream.script.chat = { tokens: ['ok'] };
      const acknowledged: string[] = [];
      const outcomes: Array<{ status: number; code?: string; ms: number; during: boolean }> = [];
      let away = false;
      let running = true;
      // Writes under load: four clients, each a chat turn after another.
      const clients = Array.from({ length: 4 }, async (_, client) => {
        for (let i = 0; running; i++) {
          const started = Date.now();
          const during = away;
          const response = await fetch(`${e.url}/api/v1/chat/`, { method: 'POST', headers: { ...json, ...auth(token) }, body: JSON.stringify({ message: `write ${client}-${i}`, model: 'scripted' }) }).catch(() => undefined);
          if (!response) {
            outcomes.push({ status: 0, ms: Date.now() - started, during });
            continue;
          }
          const body = (await response.json()) as { session_id?: string; error?: { code: string } };
          outcomes.push({ status: response.status, code: body.error?.code, ms: Date.now() - started, during });
          if (response.status === 200) acknowledged.push(body.session_id!);
          await sleep(20);
        }
      });
      await sleep(1000);
      away = true;
      proxy.cut();
      await sleep(3000);
      proxy.restore();
      away = false;
      const restoredAt = Date.now();
      const before = outcomes.length;
      await until(() => outcomes.slice(before).filter((o) => o.status === 200).length, (n) => n >= 4, 20_000, 'writes to succeed again').catch((error: unknown) => {
        console.info(JSON.stringify(outcomes.slice(-20)), e.output().slice(-4000));
        throw error;
      });
      const recoveredMs = Date.now() - restoredAt;
      running = false;
      await Promise.all(clients);

      const failures = outcomes.filter((o) => o.status !== 200);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.filter((o) => o.status !== 503 || o.code !== 'DATABASE_UNAVAILABLE')).toEqual([]);
      const refusedWhileAway = outcomes.filter((o) => o.during && o.status === 503);
      expect(refusedWhileAway.length).toBeGreaterThan(0);
      expect(Math.max(...refusedWhileAway.map((o) => o.ms))).toBeLessThan(2000);
      expect(e.child.exitCode).toBeNull();
      // Every write that was answered 200 is there, read straight from PostgreSQL.
      const client = new pg.Client({ connectionString: postgresTestUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ conversation_id: string; role: string; status: string }>(
          `select conversation_id, role, status from "${schema}".messages where conversation_id = any($1) order by conversation_id, role desc`, [acknowledged]);
        const byConversation = new Map<string, string[]>();
        for (const row of rows) byConversation.set(row.conversation_id, [...(byConversation.get(row.conversation_id) ?? []), `${row.role}:${row.status}`]);
        for (const sessionId of acknowledged) expect(byConversation.get(sessionId), sessionId).toEqual(['user:complete', 'assistant:complete']);
      } finally {
        await client.end();
      }
      console.info(`PostgreSQL away 3 s: ${acknowledged.length} writes acknowledged and kept, ${failures.length} refused with 503 (slowest ${Math.max(...refusedWhileAway.map((o) => o.ms))} ms), served again ${recoveredMs} ms after it came back`);
      await e.stop();
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
