/**
 * Agent runs on the scale-out parts, as real processes: two `sutazai serve` replicas on one
 * PostgreSQL schema and one RabbitMQ. The replica running a job is killed (SIGKILL) in the
 * middle of it; RabbitMQ delivers the job again to the other replica, which finishes the run.
 * The run ends with exactly one stored result.
 */
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import { queuesFor } from '../packages/server/src/events/queue/rabbitmq-topology.js';
import { amqpTestUrl, rabbitMqSkipReason } from '../packages/server/src/events/queue/test-support/rabbitmq-fixture.js';
import { holdBrokerLock } from '../packages/server/src/events/queue/test-support/broker-lock.js';
import { postgresTestUrl, runOnPostgres } from '../packages/server/src/storage/test-support/storage-fixtures.js';
import { makeWorkspace, startServer, stopAllServers, type ServerProcess, type Workspace } from './support/server-process.js';
import { until } from '../packages/server/src/test-support/until.js';

const skip = await rabbitMqSkipReason();
const tokens = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `);

describe.skipIf(skip !== undefined)('agent runs on PostgreSQL and RabbitMQ, two replicas', () => {
  const schema = `e2e_runs_${randomBytes(5).toString('hex')}`;
  const prefix = `e2e.${randomBytes(5).toString('hex')}`;
  let upstream: OpenAICompatibleTestServer;
  let workspace: Workspace;
  let env: Record<string, string>;
  let releaseBroker: (() => void) | undefined;

  beforeAll(async () => {
    // The queue tests restart the broker: wait for them, and keep them waiting meanwhile.
    releaseBroker = await holdBrokerLock();
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    workspace = await makeWorkspace({ realModel: false });
    env = {
      ...workspace.env,
      DATABASE_URL: `${postgresTestUrl}?schema=${schema}`,
      AMQP_URL: amqpTestUrl,
      AMQP_QUEUE_PREFIX: prefix,
      OPENAI_BASE_URL: upstream.baseURL,
      JOB_CONCURRENCY: '1',
    };
  }, 600_000);

  afterAll(async () => {
    await stopAllServers();
    await upstream?.close();
    workspace?.remove();
    await runOnPostgres(`drop schema if exists "${schema}" cascade`);
    const connection = await amqp.connect(amqpTestUrl);
    const channel = await connection.createChannel();
    for (const queue of Object.values(queuesFor(prefix, 'agent-run'))) await channel.deleteQueue(queue);
    await connection.close();
    releaseBroker?.();
  });

  it('finishes a run on the other replica after the one running it is killed, with one stored result', async () => {
    upstream.script.chat = { tokens: tokens(1000), delayMs: 20 };
    const first: ServerProcess = await startServer({ env });
    const started = await (await fetch(`${first.url}/api/v1/agents/jarvis/runs`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'A long job.' }),
    })).json() as { id: string; status: string };
    // A worker may have claimed it before the answer was written.
    expect(['queued', 'running']).toContain(started.status);
    const runOn = (server: ServerProcess) => async () => (await fetch(`${server.url}/api/v1/runs/${started.id}`)).json() as Promise<{ status: string; attempts: number; result: string | null; message_id: string | null; conversation_id: string | null }>;
    await until(runOn(first), (run) => run.status === 'running' && run.message_id !== null, 30_000);
    // The first replica is streaming the reply from the model now.
    await until(async () => upstream.requests.filter((r) => r.endpoint === 'chat').length, (n) => n === 1, 30_000);

    const second = await startServer({ env });
    await first.stop('SIGKILL');
    upstream.script.chat = { tokens: ['Finished', ' by', ' the', ' other', ' replica.'] };

    const done = await until(runOn(second), (run) => run.status === 'succeeded', 60_000);
    expect(done).toMatchObject({ attempts: 2, result: 'Finished by the other replica.' });
    expect(upstream.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(2);

    // One run, one result; the killed attempt's reply is kept in the conversation and is not the result.
    const list = await (await fetch(`${second.url}/api/v1/runs`)).json() as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    const conversation = await (await fetch(`${second.url}/api/v1/conversations/${done.conversation_id}`)).json() as { messages: Array<{ role: string; content: string }> };
    expect(conversation.messages.filter((m) => m.role === 'assistant' && m.content === 'Finished by the other replica.')).toHaveLength(1);
  });
});
