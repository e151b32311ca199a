/**
 * One consumer of one job kind on RabbitMQ: its own channel with prefetch = concurrency,
 * manual acknowledgement after the handler settles, and a fresh channel on every new
 * connection. A delivery is acknowledged only on the channel it came from: when that channel
 * is gone the broker has already put the job back, so the handler is aborted and nothing is sent.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../logger.js';
import { decodeJob, errorText, exhaustedReason, failureVerdict, settledWithin } from './job-policy.js';
import type { DeliveredJob, JobHandler, JobMessage } from './job-queue.js';
import type { LiveConnection } from './rabbitmq-connection.js';
import { HEADER, declareKind, deliveryAttempt, type KindQueues } from './rabbitmq-topology.js';

export interface ConsumerContext {
  queues: KindQueues;
  maxAttempts: number;
  retryDelayMs: (attempt: number) => number;
  closeGraceMs: number;
  logger?: Logger;
  /** Publishes with a publisher confirm, across reconnects, until the deadline; rejects when it cannot. */
  publish(queue: string, content: Buffer, properties: PublishProperties): Promise<void>;
  /** The live connection now, if any, to re-attach a channel that closed on its own. */
  current(): LiveConnection | undefined;
}

export interface PublishProperties {
  messageId: string;
  type: string;
  headers: Record<string, unknown>;
  expiration?: string;
}

interface Attachment {
  live: LiveConnection;
  channel: Channel;
  open: boolean;
  tag?: string;
}

interface Delivery {
  attachment: Attachment;
  message: ConsumeMessage;
  controller: AbortController;
  settled: Promise<void>;
}

export interface RabbitMqConsumer {
  attach(live: LiveConnection): Promise<void>;
  /** The connection is gone: its deliveries are back on the broker, so their handlers stop. */
  detach(live: LiveConnection): void;
  close(): Promise<void>;
  subscribed(): boolean;
}

export function createRabbitMqConsumer(context: ConsumerContext, handler: JobHandler, concurrency: number): RabbitMqConsumer {
  const { queues, logger } = context;
  let attachment: Attachment | undefined;
  let attaching: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const running = new Set<Delivery>();
  /** Deliveries that arrived while every slot was busy (old handlers still winding down after a reconnect). */
  const waiting: { attachment: Attachment; message: ConsumeMessage }[] = [];
  /** Hand-backs of a graceful stop still publishing. */
  const handingBack = new Set<Promise<void>>();

  function settle(target: Attachment, action: (channel: Channel) => void) {
    if (!target.open || !target.live.isOpen()) return;
    try {
      action(target.channel);
    } catch (error) {
      logger?.warn({ err: error, queue: queues.work }, 'job queue: could not acknowledge a delivery');
    }
  }

  /**
   * A delivery given back by a graceful stop is published again with its attempt number
   * unchanged, then acknowledged: a nack would count it (quorum queues raise
   * x-delivery-count on every return), and each rolling deploy would use up an attempt of a
   * long job, or of one only prefetched. Deliveries cut short by a crash or a lost connection
   * are returned by the broker and do count, so a job that kills its workers still ends in the
   * dead-letter queue. When the publish fails, the nack is the fallback: never a lost job.
   */
  function handBack(target: Attachment, message: ConsumeMessage): Promise<void> {
    if (!target.open || !target.live.isOpen()) return Promise.resolve();
    const publishing = context
      .publish(queues.work, message.content, {
        messageId: String(message.properties.messageId ?? ''), type: String(message.properties.type ?? ''),
        headers: { [HEADER.attempt]: deliveryAttempt(message), [HEADER.redelivered]: true },
      })
      .then(
        () => settle(target, (channel) => channel.ack(message)),
        (error: unknown) => {
          logger?.warn({ err: error, queue: queues.work }, `job queue: could not hand a job back (${errorText(error)}); returning it to the broker`);
          settle(target, (channel) => channel.nack(message, false, true));
        },
      )
      .finally(() => handingBack.delete(publishing));
    handingBack.add(publishing);
    return publishing;
  }

  function lose(target: Attachment, reason: string) {
    if (!target.open) return;
    target.open = false;
    if (attachment === target) attachment = undefined;
    for (const delivery of running) {
      if (delivery.attachment === target) delivery.controller.abort(new DOMException(`${reason}; the job will be delivered again.`, 'AbortError'));
    }
    for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i]!.attachment === target) waiting.splice(i, 1);
  }

  async function attachTo(live: LiveConnection): Promise<void> {
    if (closing || !live.isOpen() || attachment?.live === live) return;
    const channel = await live.model.createChannel();
    const target: Attachment = { live, channel, open: true };
    channel.on('error', (error: Error) => logger?.warn({ err: error, queue: queues.work }, 'job queue: consumer channel error'));
    channel.on('close', () => {
      const wasCurrent = attachment === target;
      lose(target, 'The channel to RabbitMQ closed');
      // A channel can close alone (the queue was deleted, a refused acknowledgement): open a new one.
      if (wasCurrent && !closing && live.isOpen()) {
        setTimeout(() => {
          const now = context.current();
          if (now && !closing) void attach(now);
        }, 1000).unref();
      }
    });
    await channel.prefetch(concurrency);
    await declareKind(channel, queues);
    if (closing || !live.isOpen()) {
      await channel.close().catch(() => undefined);
      return;
    }
    attachment = target;
    const reply = await channel.consume(queues.work, (message) => onDelivery(target, message), { noAck: false });
    target.tag = reply.consumerTag;
  }

  function attach(live: LiveConnection): Promise<void> {
    const previous = attaching ?? Promise.resolve();
    const next = previous.then(() => attachTo(live)).catch((error: unknown) => {
      if (live.isOpen()) logger?.error({ err: error, queue: queues.work }, 'job queue: could not subscribe; retrying on the next connection');
    });
    attaching = next;
    return next;
  }

  function onDelivery(target: Attachment, message: ConsumeMessage | null) {
    if (message === null) {
      // The broker cancelled the subscription (queue deleted): a new channel declares it again.
      logger?.warn({ queue: queues.work }, 'job queue: RabbitMQ cancelled the subscription; subscribing again');
      void target.channel.close().catch(() => undefined);
      return;
    }
    if (closing) {
      void handBack(target, message);
      return;
    }
    if (running.size >= concurrency) {
      waiting.push({ attachment: target, message });
      return;
    }
    start(target, message);
  }

  function start(target: Attachment, message: ConsumeMessage) {
    let job: JobMessage;
    try {
      job = decodeJob(message.content.toString('utf8'));
    } catch (error) {
      // Unreadable: the work queue's dead-letter exchange keeps it for inspection.
      logger?.error({ err: error, queue: queues.work }, 'job queue: unreadable message moved to the dead-letter queue');
      settle(target, (channel) => channel.nack(message, false, false));
      return;
    }
    const attempt = deliveryAttempt(message);
    const redelivered = message.fields.redelivered || message.properties.headers?.[HEADER.redelivered] === true;
    const controller = new AbortController();
    const delivery: Delivery = { attachment: target, message, controller, settled: Promise.resolve() };
    running.add(delivery);
    const exhausted = exhaustedReason(attempt, context.maxAttempts);
    const outcome: Promise<{ ok: true } | { ok: false; error: unknown }> = exhausted
      ? Promise.resolve({ ok: false, error: undefined })
      : Promise.resolve()
        .then(() => handler({ ...job, attempt, redelivered } satisfies DeliveredJob, { signal: controller.signal }))
        .then(() => ({ ok: true as const }), (error: unknown) => ({ ok: false as const, error }));
    delivery.settled = outcome
      .then(async (result) => {
        if (result.ok) return settle(target, (channel) => channel.ack(message));
        if (controller.signal.aborted && !exhausted) return handBack(target, message);
        if (!target.open) return;
        const verdict = exhausted ? { action: 'dead-letter' as const, reason: exhausted } : failureVerdict(result.error, attempt, context.maxAttempts, context.retryDelayMs);
        try {
          if (verdict.action === 'dead-letter') {
            await context.publish(queues.dead, message.content, {
              messageId: job.id, type: job.kind,
              headers: { [HEADER.attempt]: attempt, [HEADER.redelivered]: redelivered, [HEADER.error]: verdict.reason.slice(0, 4000), [HEADER.failedAt]: Date.now() },
            });
          } else {
            await context.publish(queues.retry, message.content, {
              messageId: job.id, type: job.kind, headers: { [HEADER.attempt]: attempt + 1 }, expiration: String(verdict.delayMs),
            });
          }
          settle(target, (channel) => channel.ack(message));
        } catch (error) {
          // Not moved: hand it back (a redelivery) rather than lose it.
          logger?.warn({ err: error, queue: queues.work, jobId: job.id }, `job queue: could not move a failed job (${errorText(error)}); handing it back`);
          settle(target, (channel) => channel.nack(message, false, true));
        }
      })
      .finally(() => {
        running.delete(delivery);
        startWaiting();
      });
    delivery.settled = delivery.settled.catch(() => undefined);
  }

  function startWaiting() {
    while (running.size < concurrency && waiting.length > 0) {
      const next = waiting.shift()!;
      if (next.attachment.open) start(next.attachment, next.message);
    }
  }

  async function closeNow(): Promise<void> {
    await attaching;
    const target = attachment;
    if (target?.open && target.tag) await target.channel.cancel(target.tag).catch(() => undefined);
    for (const { attachment: from, message } of waiting.splice(0)) void handBack(from, message);
    const settling = [...running].map((delivery) => {
      delivery.controller.abort(new DOMException('The job consumer is closing; the job will be delivered again.', 'AbortError'));
      return delivery.settled;
    });
    // Handlers that ignore the signal keep their jobs only until the channel closes: the broker then hands them to another consumer.
    await settledWithin(Promise.all(settling).then(() => Promise.all([...handingBack])), context.closeGraceMs);
    if (target) {
      await target.channel.close().catch(() => undefined);
      lose(target, 'The job consumer closed');
    }
  }

  return {
    attach,
    detach(live) {
      if (attachment?.live === live) lose(attachment, 'The connection to RabbitMQ was lost');
    },
    close() {
      closing ??= closeNow();
      return closing;
    },
    subscribed: () => attachment?.open === true && attachment.tag !== undefined,
  };
}
