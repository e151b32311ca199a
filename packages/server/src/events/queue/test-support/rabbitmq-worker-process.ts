/**
 * A worker in a process of its own, for the crash test: it consumes a kind, stores some
 * results, says so on stdout, and then hangs mid-job until the test kills it with SIGKILL,
 * so nothing is acknowledged. Run with `node --import tsx` and the settings in the environment.
 */
import { createRabbitMqQueue } from '../rabbitmq-queue.js';
import { openResultsTable } from './job-results-table.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const results = openResultsTable(env('RESULTS_SCHEMA'));
const queue = createRabbitMqQueue({ url: env('AMQP_URL'), prefix: env('QUEUE_PREFIX') });

await queue.consume<{ storeBeforeCrash: boolean }>(env('JOB_KIND'), async (job) => {
  process.stdout.write(`started ${job.id}\n`);
  if (job.payload.storeBeforeCrash) await results.store(job.id, `worker-${process.pid}`, job.attempt);
  process.stdout.write(`working ${job.id}\n`);
  await new Promise(() => undefined);
}, { concurrency: Number(env('CONCURRENCY')) });
process.stdout.write('subscribed\n');
