import { parseBrokerUrl } from '../brokers/broker-url.js';
import { ServiceUnreachableException } from '../errors/service-unreachable.exception.js';
import { redactUrl } from '../brokers/redact-url.js';
import { CqrsBrokerException } from '../errors/cqrs-broker.exception.js';
import type { DeadLetter, DeadLetterFilter, DeadLetterStore } from '../consumers/dead-letter-store.js';
import { CliUsageException } from '../errors/cli-usage.exception.js';
import { COMMON_HELP, positiveInteger, type CliCommand, type CliContext } from './cli-command.js';
import { bodyText, CliExitCode, table } from './cli-io.js';

const SOURCE_OPTIONS = {
  'broker-url': { type: 'string' },
  topic: { type: 'string' },
  queue: { type: 'string' },
  'dead-letter': { type: 'string' },
} as const;

const SOURCE_HELP = `  --broker-url URL    kafka://host:port[,host:port] or amqp://user:pass@host:port/vhost (default: $BROKER_URL)
  --topic TOPIC       Kafka: the consumer's topic; its dead letters are in TOPIC.DLT
  --queue QUEUE       RabbitMQ: the consumer's queue; its dead letters are in QUEUE.dlq
  --dead-letter NAME  the dead-letter topic or queue, when not the default`;

const FILTER_OPTIONS = {
  reason: { type: 'string' },
  'reason-regex': { type: 'string' },
  'event-id': { type: 'string', multiple: true },
  limit: { type: 'string' },
} as const;

const FILTER_HELP = `  --reason TEXT       only dead letters whose reason contains TEXT
  --reason-regex RE   only dead letters whose reason matches the regular expression RE
  --event-id ID       only this event (repeat for several)
  --limit N           at most N (the first ones)`;

type Values = Record<string, string | boolean | string[] | undefined>;

/** Opens the dead-letter store the options name (Kafka or RabbitMQ), runs `work`, and closes it. */
async function withStore<T>(context: CliContext<Values>, work: (store: DeadLetterStore) => Promise<T>): Promise<T> {
  const url = (context.values['broker-url'] as string | undefined) ?? context.env.BROKER_URL;
  context.secret(url);
  if (!url) throw new CliUsageException('no broker: set BROKER_URL or pass --broker-url');
  const broker = parseBrokerUrl(url);
  const topic = context.values.topic as string | undefined;
  const queue = context.values.queue as string | undefined;
  const deadLetter = context.values['dead-letter'] as string | undefined;
  let store: DeadLetterStore;
  switch (broker.kind) {
    case 'memory':
      throw new CliUsageException('memory:// keeps no dead letters outside its process: use a kafka:// or amqp:// URL');
    case 'kafka': {
      if (!topic || queue) throw new CliUsageException('a kafka:// broker needs --topic (and no --queue)');
      // Loaded only now: the package works without kafkajs when Kafka is not used.
      const [{ logLevel }, { KafkaDeadLetterStore }, { kafkaConfigFromUrl }] = await Promise.all([
        import('kafkajs'),
        import('../brokers/kafka/kafka-dead-letter-store.js'),
        import('../brokers/kafka/kafka-client-config.js'),
      ]);
      // Few, short retries: a CLI reports an unreachable broker in seconds rather than retrying for minutes.
      // kafkajs logs every failed connection attempt: only with --verbose (stderr), where it also logs its progress.
      const client = kafkaConfigFromUrl(url, {
        clientId: 'cqrs-broker-cli',
        connectionTimeout: 5_000,
        retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 },
        logLevel: context.values.verbose ? logLevel.INFO : logLevel.NOTHING,
      });
      store = new KafkaDeadLetterStore({ client, topic, ...(deadLetter && { deadLetterTopic: deadLetter }) });
      break;
    }
    case 'amqp': {
      if (!queue || topic) throw new CliUsageException('an amqp:// broker needs --queue (and no --topic)');
      const { AmqpDeadLetterStore } = await import('../brokers/amqp/amqp-dead-letter-store.js');
      store = new AmqpDeadLetterStore({ url: broker.url, queue, ...(deadLetter && { deadLetterQueue: deadLetter }) });
      break;
    }
  }
  try {
    return await work(store);
  } catch (error) {
    if (error instanceof CqrsBrokerException) throw error;
    throw new ServiceUnreachableException(redactUrl(url), error);
  } finally {
    await store.close().catch(() => undefined);
  }
}

function filterOf(values: Values): DeadLetterFilter {
  if (values.reason !== undefined && values['reason-regex'] !== undefined) throw new CliUsageException('give --reason or --reason-regex, not both');
  let reason: string | RegExp | undefined = values.reason as string | undefined;
  if (values['reason-regex'] !== undefined) {
    try {
      reason = new RegExp(values['reason-regex'] as string);
    } catch (error) {
      throw new CliUsageException(`--reason-regex: ${(error as Error).message}`);
    }
  }
  const eventIds = values['event-id'] as string[] | undefined;
  const limit = positiveInteger(values.limit, 'limit');
  return { ...(reason !== undefined && { reason }), ...(eventIds && { eventIds }), ...(limit !== undefined && { limit }) };
}

/** A dead letter without its body and headers, for lists. */
function summary({ body: _body, headers: _headers, ...rest }: DeadLetter) {
  return rest;
}

const list: CliCommand = {
  name: 'list',
  summary: 'dead letters of a topic or queue (removes nothing)',
  help: `Usage: cqrs-broker dlq list (--topic T | --queue Q) [options]

Lists dead letters in order, with their reason; removes nothing and moves no
consumer group (Kafka reads with a throwaway group). Kafka: dead letters an
earlier replay requeued are left out unless --include-replayed.
JSON: [{ "position", "eventId", "eventName", "key", "requeueTo", "originalTopic", "reason", "attempts", "consumer", "deadLetteredAt", "replayedAt"? }]

${SOURCE_HELP}
${FILTER_HELP}
  --include-replayed  Kafka: also those already requeued
${COMMON_HELP}`,
  options: { ...SOURCE_OPTIONS, ...FILTER_OPTIONS, 'include-replayed': { type: 'boolean' } },
  async run(context) {
    const filter = { ...filterOf(context.values), includeReplayed: Boolean(context.values['include-replayed']) };
    const deadLetters = (await withStore(context, (store) => store.list(filter))).map(summary);
    context.io.result(deadLetters, () => table(deadLetters, ['position', 'eventId', 'eventName', 'attempts', 'deadLetteredAt', 'replayedAt', 'reason']));
    return CliExitCode.ok;
  },
};

const inspect: CliCommand = {
  name: 'inspect',
  summary: 'one event\'s dead letters in full: headers and body',
  help: `Usage: cqrs-broker dlq inspect <event-id> (--topic T | --queue Q) [options]

Shows every dead letter of the event (Kafka: requeued ones too) with all its
headers and its body (parsed JSON, else text, else { "base64" }). Exit code 3
when there is none.
JSON: [{ …as list, "headers": {…}, "body": … }]

${SOURCE_HELP}
${COMMON_HELP}`,
  options: SOURCE_OPTIONS,
  async run(context) {
    const [eventId, ...extra] = context.positionals;
    if (!eventId || extra.length) throw new CliUsageException('inspect needs exactly one event id');
    const deadLetters = await withStore(context, (store) => store.list({ eventIds: [eventId], includeReplayed: true }));
    const shown = deadLetters.map((deadLetter) => ({ ...summary(deadLetter), headers: deadLetter.headers, body: bodyText(deadLetter.body) }));
    if (!shown.length) {
      context.io.result([], () => `No dead letter of event ${eventId}.`);
      return CliExitCode.notFound;
    }
    context.io.result(shown, () => shown.map((deadLetter) => JSON.stringify(deadLetter, null, 2)).join('\n'));
    return CliExitCode.ok;
  },
};

const replay: CliCommand = {
  name: 'replay',
  summary: 'requeue dead letters to their topic or queue (--all, --reason, --event-id)',
  help: `Usage: cqrs-broker dlq replay (--topic T | --queue Q) (--all | --reason TEXT | --reason-regex RE | --event-id ID…) [options]

Sends the selected dead letters back to their source with their event id, key
and body unchanged (an inbox still recognises an event handled before); the
dead-letter headers are replaced by x-replayed-at, x-replayed-count,
x-replayed-reason, x-replayed-from and x-replayed-topic. Kafka: to the
original topic, recorded in TOPIC.DLT.replayed so no later run requeues them
again. RabbitMQ: to the queue itself, acked from the dead-letter queue once
confirmed; the others keep their order. Exit code 3 when an --event-id given
was not requeued.
JSON: { "requeued": n, "eventIds": [...], "left": n }

${SOURCE_HELP}
  --all               every dead letter
${FILTER_HELP}
${COMMON_HELP}`,
  options: { ...SOURCE_OPTIONS, ...FILTER_OPTIONS, all: { type: 'boolean' } },
  async run(context) {
    const filter = filterOf(context.values);
    const selects = filter.reason !== undefined || filter.eventIds !== undefined;
    if (!selects && !context.values.all) throw new CliUsageException('say which dead letters: --all, --reason, --reason-regex or --event-id');
    if (selects && context.values.all) throw new CliUsageException('--all selects everything: leave out --reason, --reason-regex and --event-id');
    const result = await withStore(context, (store) => store.requeue(filter));
    context.io.result(result, () => `${result.requeued} dead letter(s) requeued${result.eventIds.length ? `: ${result.eventIds.join(', ')}` : ''}; ${result.left} left.`);
    const missing = (filter.eventIds ?? []).filter((id) => !result.eventIds.includes(id));
    return missing.length ? CliExitCode.notFound : CliExitCode.ok;
  },
};

/** `cqrs-broker dlq …`. */
export const DLQ_COMMANDS: readonly CliCommand[] = [list, inspect, replay];
