import { CliUsageException } from '../errors/cli-usage.exception.js';
import { SAGA_DEFAULTS } from '../saga/saga-defaults.js';
import type { SagaAdmin } from '../saga/saga-admin.js';
import type { SagaSnapshot } from '../saga/saga-record.js';
import { SagaState } from '../saga/saga-state.js';
import { COMMON_HELP, positiveInteger, type CliCommand, type CliContext } from './cli-command.js';
import { CliExitCode, table } from './cli-io.js';
import { databaseUrlOf, withDatabase } from './database-url.js';

const DATABASE_OPTIONS = {
  'database-url': { type: 'string' },
  table: { type: 'string' },
} as const;

const DATABASE_HELP = `  --database-url URL  postgres://…, mysql://…, mariadb://… or a SQLite file (default: $DATABASE_URL)
  --table NAME        saga log table (default: ${SAGA_DEFAULTS.tableName})`;

type Values = Record<string, string | boolean | string[] | undefined>;

/** Connects to the database the options name, runs `work` with a SagaAdmin on it, and disconnects. */
async function withSagaAdmin<T>(context: CliContext<Values>, work: (admin: SagaAdmin) => Promise<T>): Promise<T> {
  const url = databaseUrlOf(context);
  const [{ SagaLog }, { SagaExecutor }, { SagaAdmin }, { resolveSagaOptions }] = await Promise.all([
    import('../saga/saga-log.js'),
    import('../saga/saga-executor.js'),
    import('../saga/saga-admin.js'),
    import('../saga/saga-options.resolver.js'),
  ]);
  const resolved = resolveSagaOptions({ tableName: (context.values.table as string | undefined) ?? SAGA_DEFAULTS.tableName });
  return withDatabase(url, (dataSource) => work(new SagaAdmin(new SagaExecutor({ log: new SagaLog(dataSource, resolved.tableName), options: resolved }))));
}

const row = (saga: SagaSnapshot) => ({
  id: saga.id,
  name: saga.name,
  state: saga.state,
  steps: saga.steps.map((step) => `${step.name}:${step.status}`).join(' '),
  updatedAt: saga.updatedAt.toISOString(),
  error: saga.error?.split('\n')[0] ?? '',
});

const json = (saga: SagaSnapshot) => ({ ...saga, createdAt: saga.createdAt.toISOString(), updatedAt: saga.updatedAt.toISOString(), leaseUntil: saga.leaseUntil?.toISOString() ?? null });

const STATES = Object.values(SagaState);

const list: CliCommand = {
  name: 'list',
  summary: 'sagas, most recently updated first (--state failed…)',
  help: `Usage: cqrs-broker saga list [options]

Sagas, most recently updated first, with their steps' status.
JSON: [{ "id", "name", "state", "context", "steps": [{ "name", "status", "attempts", … }], "error", … }]

  --state STATE       only sagas in this state (${STATES.join(', ')})
  --name NAME         only sagas of this name
  --limit N           at most N sagas (default 50)
  --offset N          skip the first N (default 0)
${DATABASE_HELP}
${COMMON_HELP}`,
  options: { ...DATABASE_OPTIONS, state: { type: 'string' }, name: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
  async run(context) {
    const state = context.values.state as SagaState | undefined;
    if (state !== undefined && !STATES.includes(state)) throw new CliUsageException(`--state must be one of ${STATES.join(', ')}, got "${state}"`);
    const limit = positiveInteger(context.values.limit, 'limit', 50)!;
    const offset = positiveInteger(context.values.offset, 'offset', 0)!;
    const sagas = await withSagaAdmin(context, (admin) => admin.list({ state, name: context.values.name as string | undefined, limit, offset }));
    context.io.result(sagas.map(json), () => table(sagas.map(row), ['id', 'name', 'state', 'steps', 'updatedAt', 'error']));
    return CliExitCode.ok;
  },
};

/** Runs `action` on the saga of the one id given; exit 3 when the log has no such saga. */
function oneSaga(name: string, summary: string, help: string, action: (admin: SagaAdmin, id: string) => Promise<SagaSnapshot>): CliCommand {
  return {
    name,
    summary,
    help: `Usage: cqrs-broker saga ${name} <saga-id> [options]

${help}
Exit code 3 when the log has no saga with that id.
JSON: the saga { "id", "name", "state", "context", "steps", "error", … }

${DATABASE_HELP}
${COMMON_HELP}`,
    options: DATABASE_OPTIONS,
    async run(context) {
      const [id, ...extra] = context.positionals;
      if (!id || extra.length) throw new CliUsageException(`saga ${name} needs exactly one saga id`);
      try {
        const saga = await withSagaAdmin(context, (admin) => action(admin, id));
        context.io.result(json(saga), () =>
          [`${saga.id} ${saga.name}: ${saga.state}`, table(saga.steps as unknown as Record<string, unknown>[], ['name', 'status', 'attempts', 'compensationAttempts', 'error']), saga.error ? `error: ${saga.error}` : ''].filter(Boolean).join('\n'),
        );
        return CliExitCode.ok;
      } catch (error) {
        if ((error as { code?: string }).code === 'CQRS_BROKER_SAGA_NOT_FOUND') {
          process.stderr.write(`cqrs-broker: ${(error as Error).message}\n`);
          return CliExitCode.notFound;
        }
        throw error;
      }
    },
  };
}

const show = oneSaga('show', 'one saga with its steps, attempts and errors', 'One saga with its context, its steps (status, attempts, last error) and its error.', (admin, id) => admin.show(id));
const retry = oneSaga(
  'retry',
  'give a failed saga a new attempt budget',
  `Gives a failed saga a new budget: a compensation that kept failing is tried again,
a saga the recovery gave up on goes on where it was. The app's recovery worker
drives it at its next look. Fails for a saga that is not failed.`,
  (admin, id) => admin.retry(id),
);
const compensate = oneSaga(
  'compensate',
  'compensate a failed saga, or a running one no worker owns',
  `Turns a failed saga, or a running one whose worker's lease ran out, to
compensating: the app's recovery worker undoes its completed steps in reverse.`,
  (admin, id) => admin.compensate(id),
);

const diagram: CliCommand = {
  name: 'diagram',
  summary: 'a Mermaid diagram of a saga (sequence or state), from the log',
  help: `Usage: cqrs-broker saga diagram <saga-name> [options]

A Mermaid diagram of the saga stored under this name, from the steps of its
latest run (each drawn as undoable). In code, sagaMermaid(SagaClass, kind)
draws it from the definition itself. Exit code 3 when no saga has this name.
JSON: { "name", "kind", "mermaid" }

  --kind KIND         sequence (default) or state
${DATABASE_HELP}
${COMMON_HELP}`,
  options: { ...DATABASE_OPTIONS, kind: { type: 'string' } },
  async run(context) {
    const [name, ...extra] = context.positionals;
    if (!name || extra.length) throw new CliUsageException('saga diagram needs exactly one saga name');
    const kind = (context.values.kind as string | undefined) ?? 'sequence';
    if (kind !== 'sequence' && kind !== 'state') throw new CliUsageException(`--kind must be sequence or state, got "${kind}"`);
    const mermaid = await withSagaAdmin(context, (admin) => admin.diagram(name, kind));
    if (mermaid === null) {
      process.stderr.write(`cqrs-broker: no saga named "${name}" is in the saga log\n`);
      return CliExitCode.notFound;
    }
    context.io.result({ name, kind, mermaid }, () => mermaid.trimEnd());
    return CliExitCode.ok;
  },
};

/** `cqrs-broker saga …`. */
export const SAGA_COMMANDS: readonly CliCommand[] = [list, show, retry, compensate, diagram];
