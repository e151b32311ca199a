import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../http/test-support/test-app.js';

// The RabbitMQ half of the wiring is tested in rabbitmq-queue.test.ts, beside the broker restart.
describe('the platform\'s job queue without AMQP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is the in-process queue, shown healthy in /health/detailed', async () => {
    expect(t.platform.queue.kind).toBe('in-process');
    const body = (await t.app.inject({ method: 'GET', url: '/health/detailed' })).json() as { services: { name: string }[] };
    expect(body.services.find((service) => service.name === 'job-queue')).toMatchObject({ kind: 'in-process', status: 'healthy', required: false });
  });

  it('runs jobs', async () => {
    const seen: string[] = [];
    await t.platform.queue.consume('wiring-check', async (job) => {
      seen.push(job.id);
    });
    await t.platform.queue.enqueue({ id: 'w-1', kind: 'wiring-check', payload: null });
    await expect.poll(() => seen).toEqual(['w-1']);
  });
});
