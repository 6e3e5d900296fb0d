import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createOutboxDialect, createOutboxMigrations } from 'nestjs-cqrs-broker/outbox';
import { connect, databases, dropTable, uniqueTable } from '../outbox/databases.js';
import { builtCli, LOG_LINE, runCli } from './cli-harness.js';

let cli: string;
beforeAll(() => {
  cli = builtCli();
}, 180_000);

/** The URL the CLI takes for a test database (SQLite: its file). */
function urlOf(dataSource: DataSource): string {
  const options = dataSource.options as { type: string; url?: string; database?: string };
  return options.type === 'better-sqlite3' ? `sqlite:${options.database}` : options.url!;
}

describe.each(databases.filter((db) => db.name !== 'mariadb').map((db) => [db.name, db] as const))('cqrs-broker outbox on %s', (_name, db) => {
  let dataSource: DataSource;
  let table: string;
  let url: string;
  const ids = { pending: randomUUID(), published: randomUUID(), dead1: randomUUID(), dead2: randomUUID() };
  const outbox = (...args: string[]) => runCli(cli, ['outbox', ...args, '--table', table], { DATABASE_URL: url });

  beforeAll(async () => {
    dataSource = await connect(db);
    table = uniqueTable('cli');
    url = urlOf(dataSource);
    const runner = dataSource.createQueryRunner();
    for (const migration of createOutboxMigrations({ tableName: table })) await new migration().up(runner);
    await runner.release();
    const row = (eventId: string) => ({ eventId, eventName: 'room_booked', topic: 'rooms', key: 'room-1', payload: Buffer.from('{}'), contentType: 'application/json', codec: 'none', headers: '{}' });
    await createOutboxDialect(dataSource, table).insert(dataSource.manager, Object.values(ids).map(row));
    await dataSource.query(`UPDATE ${table} SET status = 'dead', attempts = 10, last_error = 'broker said no' WHERE event_id IN ('${ids.dead1}', '${ids.dead2}')`);
    await dataSource.query(`UPDATE ${table} SET status = 'published', published_at = created_at WHERE event_id = '${ids.published}'`);
  });
  afterAll(async () => {
    await dropTable(dataSource, table);
    await dataSource?.destroy();
  });

  it('stats --json prints only the counts as JSON on stdout, reading DATABASE_URL', async () => {
    const run = await outbox('stats', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ pending: 1, published: 1, dead: 2, oldestPendingAgeMs: expect.any(Number) });
    expect(run.stdout).not.toMatch(LOG_LINE);
  });

  it('dead --json lists the dead rows with their last error, oldest first; --limit bounds them', async () => {
    const run = await outbox('dead', '--json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout);
    expect(rows.map((row: { eventId: string }) => row.eventId)).toEqual([ids.dead1, ids.dead2]);
    expect(rows[0]).toMatchObject({ eventName: 'room_booked', topic: 'rooms', attempts: 10, lastError: 'broker said no' });
    expect(JSON.parse((await outbox('dead', '--limit', '1', '--json')).stdout)).toHaveLength(1);
    const text = await outbox('dead');
    expect(text.stdout).toMatch(/eventId.*lastError/);
    expect(text.stdout).toContain(ids.dead1);
  });

  it('replay makes a dead event pending again; an id that is not dead exits 3 and is named', async () => {
    const run = await outbox('replay', ids.dead1, 'no-such-event', '--json');
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({ replayed: [ids.dead1], notFound: ['no-such-event'] });
    expect(JSON.parse((await outbox('stats', '--json')).stdout)).toMatchObject({ pending: 2, dead: 1 });
    const all = await outbox('replay', '--all', '--json');
    expect(JSON.parse(all.stdout)).toEqual({ replayed: 1 });
    expect(JSON.parse((await outbox('stats', '--json')).stdout)).toMatchObject({ pending: 3, dead: 0 });
  });

  it('purge deletes published events only', async () => {
    const run = await outbox('purge', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ deleted: 1 });
    expect(JSON.parse((await outbox('stats', '--json')).stdout)).toMatchObject({ published: 0, pending: 3 });
  });
});

describe('cqrs-broker command line', () => {
  it('--help works on the program, each group and every command: usage on stdout, exit 0', async () => {
    for (const args of [['--help'], ['outbox', '--help'], ['dlq', '--help'], ...['stats', 'dead', 'replay', 'purge'].map((c) => ['outbox', c, '--help']), ...['list', 'inspect', 'replay'].map((c) => ['dlq', c, '--help'])]) {
      const run = await runCli(cli, args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toMatch(/^Usage: cqrs-broker/);
      if (args.length === 3) expect(run.stdout).toMatch(/--json/);
    }
  });

  it('a database it cannot reach: one line on stderr naming the URL with its password masked, exit 1', async () => {
    const run = await runCli(cli, ['outbox', 'stats', '--json', '--database-url', 'postgres://admin:Sup3rSecret@127.0.0.1:1/nodb']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^cqrs-broker: cannot connect to postgres:\/\/admin:\*\*\*@127\.0\.0\.1:1\/nodb: .*ECONNREFUSED/);
    expect(run.stderr + run.stdout).not.toContain('Sup3rSecret');
  });

  it('a URL of an unknown kind, no URL at all, or an unknown option: one line saying so, exit 2', async () => {
    const scheme = await runCli(cli, ['outbox', 'stats'], { DATABASE_URL: 'oracle://admin:Sup3rSecret@db/x' });
    expect(scheme.code).toBe(2);
    expect(scheme.stderr.trim()).toBe('cqrs-broker: Invalid database URL "oracle://admin:***@db/x": unknown scheme "oracle" (use postgres://, mysql://, mariadb:// or a SQLite file path)');
    const none = await runCli(cli, ['outbox', 'stats']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('set DATABASE_URL or pass --database-url');
    const option = await runCli(cli, ['outbox', 'stats', '--frobnicate'], { DATABASE_URL: 'postgres://x@127.0.0.1:1/db' });
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--frobnicate'/);
    const command = await runCli(cli, ['outbox', 'explode']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command "outbox explode"/);
  });
});
