import { CliUsageException } from '../errors/cli-usage.exception.js';
import { OUTBOX_DEFAULTS } from '../outbox/outbox-defaults.js';
import type { OutboxAdmin } from '../outbox/outbox-admin.js';
import { COMMON_HELP, positiveInteger, type CliCommand, type CliContext } from './cli-command.js';
import { CliExitCode, table } from './cli-io.js';
import { databaseUrlOf, withDatabase } from './database-url.js';

const DATABASE_OPTIONS = {
  'database-url': { type: 'string' },
  table: { type: 'string' },
} as const;

const DATABASE_HELP = `  --database-url URL  postgres://…, mysql://…, mariadb://… or a SQLite file (default: $DATABASE_URL)
  --table NAME        outbox table (default: ${OUTBOX_DEFAULTS.tableName})`;

type Values = Record<string, string | boolean | string[] | undefined>;

/** Connects to the database the options name, runs `work` with an OutboxAdmin on it, and disconnects. */
async function withOutboxAdmin<T>(context: CliContext<Values>, work: (admin: OutboxAdmin) => Promise<T>): Promise<T> {
  const url = databaseUrlOf(context);
  const [{ createOutboxDialect }, { OutboxAdmin }] = await Promise.all([import('../outbox/outbox-dialect.factory.js'), import('../outbox/outbox-admin.js')]);
  return withDatabase(url, (dataSource) =>
    work(new OutboxAdmin(createOutboxDialect(dataSource, (context.values.table as string | undefined) ?? OUTBOX_DEFAULTS.tableName))),
  );
}

const stats: CliCommand = {
  name: 'stats',
  summary: 'pending, published and dead counts, age of the oldest pending event',
  help: `Usage: cqrs-broker outbox stats [options]

Pending, published and dead counts, and the age of the oldest pending event.
JSON: { "pending": n, "published": n, "dead": n, "oldestPendingAgeMs": n }, plus
"replication": { "slotName", "active", "lagBytes" } when the table has a
logical-replication relay's slot (PostgreSQL, the default slot name).

${DATABASE_HELP}
${COMMON_HELP}`,
  options: DATABASE_OPTIONS,
  async run(context) {
    const result = await withOutboxAdmin(context, (admin) => admin.stats());
    context.io.result(result, () =>
      table(
        [
          { count: 'pending', value: result.pending },
          { count: 'published', value: result.published },
          { count: 'dead', value: result.dead },
          { count: 'oldest pending (ms)', value: result.oldestPendingAgeMs },
          ...(result.replication
            ? [
                { count: `slot ${result.replication.slotName} lag (bytes)`, value: result.replication.lagBytes },
                { count: `slot ${result.replication.slotName} streamed`, value: result.replication.active ? 'yes' : 'no' },
              ]
            : []),
        ],
        ['count', 'value'],
      ),
    );
    return CliExitCode.ok;
  },
};

const dead: CliCommand = {
  name: 'dead',
  summary: 'dead events with their last error, oldest first',
  help: `Usage: cqrs-broker outbox dead [options]

Dead events (the relay gave up on them) with their last error, oldest first.
JSON: [{ "id", "eventId", "eventName", "topic", "key", "attempts", "lastError", "createdAt" }]

  --limit N           at most N rows (default 100)
  --after ID          rows after this row id (the last "id" of the previous page)
${DATABASE_HELP}
${COMMON_HELP}`,
  options: { ...DATABASE_OPTIONS, limit: { type: 'string' }, after: { type: 'string' } },
  async run(context) {
    const limit = positiveInteger(context.values.limit, 'limit', 100)!;
    const rows = await withOutboxAdmin(context, (admin) => admin.listDead(limit, context.values.after as string | undefined));
    context.io.result(rows, () => table(rows as unknown as Record<string, unknown>[], ['id', 'eventId', 'eventName', 'topic', 'attempts', 'createdAt', 'lastError']));
    return CliExitCode.ok;
  },
};

const replay: CliCommand = {
  name: 'replay',
  summary: 'make dead events pending again (by event id, or --all)',
  help: `Usage: cqrs-broker outbox replay <event-id>... [options]
       cqrs-broker outbox replay --all [options]

Makes dead events pending again with a fresh attempt budget; the relay
publishes them on its next pass. Exit code 3 when an event id given is not a
dead event.
JSON: { "replayed": ["<event-id>"…], "notFound": ["<event-id>"…] }, or { "replayed": n } with --all

  --all               every dead event
${DATABASE_HELP}
${COMMON_HELP}`,
  options: { ...DATABASE_OPTIONS, all: { type: 'boolean' } },
  async run(context) {
    const ids = context.positionals;
    if (context.values.all) {
      if (ids.length) throw new CliUsageException('give event ids or --all, not both');
      const count = await withOutboxAdmin(context, (admin) => admin.replayAllDead());
      context.io.result({ replayed: count }, () => `${count} dead event(s) are pending again.`);
      return CliExitCode.ok;
    }
    if (!ids.length) throw new CliUsageException('replay needs event ids or --all');
    const replayed: string[] = [];
    const notFound: string[] = [];
    await withOutboxAdmin(context, async (admin) => {
      for (const id of ids) ((await admin.replay(id)) ? replayed : notFound).push(id);
    });
    context.io.result({ replayed, notFound }, () =>
      [...replayed.map((id) => `Event ${id} is pending again.`), ...notFound.map((id) => `No dead event with id ${id}.`)].join('\n'),
    );
    return notFound.length ? CliExitCode.notFound : CliExitCode.ok;
  },
};

const purge: CliCommand = {
  name: 'purge',
  summary: 'delete published events (all, or older than --older-than seconds)',
  help: `Usage: cqrs-broker outbox purge [options]

Deletes published events, in batches. Pending and dead events are never deleted.
JSON: { "deleted": n }

  --older-than S      only events published more than S seconds ago (default 0: all)
${DATABASE_HELP}
${COMMON_HELP}`,
  options: { ...DATABASE_OPTIONS, 'older-than': { type: 'string' } },
  async run(context) {
    const seconds = positiveInteger(context.values['older-than'], 'older-than', 0)!;
    const deleted = await withOutboxAdmin(context, (admin) => admin.purgePublished(seconds * 1000));
    context.io.result({ deleted }, () => `${deleted} published event(s) deleted.`);
    return CliExitCode.ok;
  },
};

/** `cqrs-broker outbox …`. */
export const OUTBOX_COMMANDS: readonly CliCommand[] = [stats, dead, replay, purge];
