/**
 * The queues behind one job kind, and how a job travels between them:
 *
 *   work  (quorum, durable)  --handler fails-->  retry (TTL per message)  --expires-->  work
 *   work  --fails for good / permanent error / rejected unreadable-->  dead
 *
 * The work queue is a quorum queue because it counts deliveries itself (`x-delivery-count`),
 * so a job whose worker died is known to be a redelivery and a job that keeps killing its
 * workers stops after `maxAttempts`. Its dead-letter exchange catches what a consumer rejects.
 */
import type { Channel, Message } from 'amqplib';
import type { DeadLetter, JobMessage } from './job-queue.js';
import { decodeJob } from './job-policy.js';

export interface KindQueues {
  work: string;
  retry: string;
  dead: string;
}

/** Separate words per role, so no kind's queue can be named like another kind's retry queue. */
export function queuesFor(prefix: string, kind: string): KindQueues {
  return { work: `${prefix}.work.${kind}`, retry: `${prefix}.retry.${kind}`, dead: `${prefix}.dead.${kind}` };
}

/** Idempotent: declaring again with the same arguments is a no-op on the broker. */
export async function declareKind(channel: Channel, queues: KindQueues): Promise<void> {
  await channel.assertQueue(queues.dead, { durable: true });
  await channel.assertQueue(queues.work, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queues.dead },
  });
  await channel.assertQueue(queues.retry, {
    durable: true,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queues.work },
  });
}

export const HEADER = {
  /** Deliveries before this message was published (1 for a new job); the broker's delivery count adds to it. */
  attempt: 'x-attempt',
  error: 'x-error',
  failedAt: 'x-failed-at',
  redelivered: 'x-redelivered',
} as const;

export function headerNumber(message: Message, name: string, fallback: number): number {
  const value: unknown = message.properties.headers?.[name];
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : fallback;
}

/** This delivery's number: the attempts before it was published plus the broker's redeliveries of it. */
export function deliveryAttempt(message: Message): number {
  return headerNumber(message, HEADER.attempt, 1) + headerNumber(message, 'x-delivery-count', 0);
}

/** Reads a message of the dead queue: ours carry the reason; those the broker dead-lettered carry `x-death`. */
export function readDeadLetter(message: Message, kind: string): DeadLetter {
  let job: JobMessage;
  try {
    job = decodeJob(message.content.toString('utf8'));
  } catch {
    job = { id: String(message.properties.messageId ?? ''), kind, payload: message.content.toString('utf8') };
  }
  const headers = message.properties.headers ?? {};
  const death = Array.isArray(headers['x-death']) ? (headers['x-death'][0] as { reason?: string; time?: { value?: number } } | undefined) : undefined;
  const error = typeof headers[HEADER.error] === 'string'
    ? headers[HEADER.error] as string
    : `dead-lettered by RabbitMQ (${death?.reason ?? 'unknown reason'}): the message was rejected or could not be read`;
  const timestamp = typeof message.properties.timestamp === 'number' ? message.properties.timestamp * 1000 : 0;
  return {
    ...job,
    attempt: deliveryAttempt(message),
    redelivered: headers[HEADER.redelivered] === true,
    error,
    failedAt: headerNumber(message, HEADER.failedAt, death?.time?.value ? death.time.value * 1000 : timestamp),
  };
}
