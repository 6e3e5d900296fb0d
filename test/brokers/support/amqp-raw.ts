// Plain amqplib clients: what a service without this library sees of our messages.
import amqplib, { type ConsumeMessage } from 'amqplib';
import { AMQP_URL, eventually } from './services.js';

/** Declares `queue` bound to `exchange` by `routingKey`, and returns a reader of it. */
export async function rawQueue(exchange: string, queue: string, routingKey: string, url = AMQP_URL) {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: false, autoDelete: false });
  await channel.bindQueue(queue, exchange, routingKey);
  return {
    /** Reads `count` messages (acking them). */
    async read(count: number): Promise<ConsumeMessage[]> {
      const messages: ConsumeMessage[] = [];
      const { consumerTag } = await channel.consume(queue, (message) => {
        if (!message) return;
        messages.push(message);
        channel.ack(message);
      });
      try {
        await eventually(() => messages.length >= count, `${count} message(s) arrived on ${queue} (got ${messages.length})`);
      } finally {
        await channel.cancel(consumerTag);
      }
      return messages;
    },
    async messageCount(): Promise<number> {
      return (await channel.checkQueue(queue)).messageCount;
    },
    async close(): Promise<void> {
      await channel.deleteQueue(queue).catch(() => undefined);
      await connection.close();
    },
  };
}

/** Reads `count` messages from an existing queue (e.g. a dead-letter queue), then deletes it. */
export async function readQueue(queue: string, count: number, url = AMQP_URL): Promise<ConsumeMessage[]> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    const messages: ConsumeMessage[] = [];
    await channel.consume(queue, (message) => {
      if (!message) return;
      messages.push(message);
      channel.ack(message);
    });
    await eventually(() => messages.length >= count, `${count} message(s) arrived on ${queue} (got ${messages.length})`);
    return messages;
  } finally {
    await connection.close();
  }
}

/** Deletes the queues and exchanges a test declared. */
export async function deleteAmqp({ queues = [], exchanges = [] }: { queues?: string[]; exchanges?: string[] }, url = AMQP_URL): Promise<void> {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue);
  for (const exchange of exchanges) await channel.deleteExchange(exchange);
  await connection.close();
}
