// Where the brokers the tests use are, and a check that fails (never skips) with how to start one that is down.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function requireRabbitMq(): Promise<void> {
  const url = new URL(AMQP_URL);
  if (!(await reachable(url.hostname, Number(url.port || 5672)))) {
    throw new Error(`RabbitMQ is not answering on ${url.hostname}:${url.port || 5672}: start it with \`rabbitmq-server -detached\`, set AMQP_URL, or run \`npm test\` (starts services that are down).`);
  }
}

export async function requireKafka(brokers: readonly string[] = KAFKA_BROKERS): Promise<void> {
  const [host, port] = brokers[0].split(':');
  if (!(await reachable(host, Number(port)))) {
    throw new Error(`Kafka is not answering on ${brokers[0]}: start it with \`scripts/kafka.sh start\`, set KAFKA_BROKERS, or run \`npm test\` (starts services that are down).`);
  }
}

/** Test files run in parallel against the same brokers: every topic, queue and group is their own. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Polls until `check` returns true; fails naming what never happened. Not a timing assertion: the bound only ends a stuck test. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A promise plus its resolve function, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
