import { EntitySchema, Table, type DataSource, type EntityManager } from 'typeorm';
import { createInboxEntity, createInboxMigration, Inbox } from 'nestjs-cqrs-broker/inbox';
import { connectInboxDatabase, inboxDatabases, uniqueName } from './databases.js';

interface Effect {
  id: number;
  eventId: string;
}

describe.each(inboxDatabases)('Inbox on $name', (db) => {
  const table = uniqueName('inbox_t');
  const migrationsTable = uniqueName('inbox_migrations');
  const effectsTable = uniqueName('inbox_fx');
  const effects = new EntitySchema<Effect>({
    name: `Effect_${effectsTable}`,
    tableName: effectsTable,
    columns: { id: { type: Number, primary: true, generated: 'increment' }, eventId: { name: 'event_id', type: String, length: 64 } },
  });
  let dataSource: DataSource;
  let inbox: Inbox;

  beforeAll(async () => {
    dataSource = await connectInboxDatabase(db, [createInboxEntity({ tableName: table }), effects], {
      migrations: [createInboxMigration({ tableName: table })],
      migrationsTableName: migrationsTable,
    });
    await dataSource.runMigrations();
    const queryRunner = dataSource.createQueryRunner();
    await queryRunner.createTable(effectsTableOf(effectsTable), true);
    await queryRunner.release();
    inbox = new Inbox(dataSource, table);
  });

  afterAll(async () => {
    if (!dataSource?.isInitialized) return;
    await dataSource.undoLastMigration();
    await dataSource.query(`DROP TABLE IF EXISTS ${dataSource.driver.escape(effectsTable)}`);
    await dataSource.query(`DROP TABLE IF EXISTS ${dataSource.driver.escape(migrationsTable)}`);
    await dataSource.destroy();
  });

  const effectsOf = (eventId: string) => dataSource.getRepository(effects).countBy({ eventId });
  const newEvent = () => ({ eventId: uniqueName('evt'), eventName: 'user_joined_meeting' });

  it('the migration creates the table the inbox entity maps (no pending schema change)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    const onInbox = pending.upQueries.filter((query) => query.query.includes(table));
    expect(onInbox.map((query) => query.query)).toEqual([]);
  });

  it('runs the work once per consumer and event: a redelivered event is recognised and skipped', async () => {
    const event = newEvent();
    const work = vi.fn(async (manager: EntityManager) => manager.insert(effects, { eventId: event.eventId }));
    const first = await inbox.transaction(event, work, { consumerName: 'notifications' });
    const second = await inbox.transaction(event, work, { consumerName: 'notifications' });
    expect(first.status).toBe('processed');
    expect(second).toEqual({ status: 'duplicate' });
    expect(work).toHaveBeenCalledTimes(1);
    expect(await effectsOf(event.eventId)).toBe(1);
    expect(await inbox.has(event.eventId, { consumerName: 'notifications' })).toBe(true);
  });

  it('lets each consumer handle the same event once', async () => {
    const event = newEvent();
    const work = (manager: EntityManager) => manager.insert(effects, { eventId: event.eventId });
    expect((await inbox.transaction(event, work, { consumerName: 'a' })).status).toBe('processed');
    expect((await inbox.transaction(event, work, { consumerName: 'b' })).status).toBe('processed');
    expect(await effectsOf(event.eventId)).toBe(2);
  });

  it('writes the inbox row in the work transaction: failed work records nothing, so the retry runs it again', async () => {
    const event = newEvent();
    await expect(
      inbox.transaction(event, async (manager) => {
        await manager.insert(effects, { eventId: event.eventId });
        throw new Error('downstream failed');
      }, { consumerName: 'notifications' }),
    ).rejects.toThrow('downstream failed');
    expect(await effectsOf(event.eventId)).toBe(0);
    expect(await inbox.has(event.eventId, { consumerName: 'notifications' })).toBe(false);

    const retry = await inbox.transaction(event, (manager) => manager.insert(effects, { eventId: event.eventId }), { consumerName: 'notifications' });
    expect(retry.status).toBe('processed');
    expect(await effectsOf(event.eventId)).toBe(1);
  });

  it('lets only one of many concurrent deliveries of one event change state', async () => {
    const event = newEvent();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        inbox.transaction(event, async (manager) => {
          await manager.insert(effects, { eventId: event.eventId });
          // Keep the transaction open a little so the others really race it.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }, { consumerName: 'notifications' }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'processed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'duplicate')).toHaveLength(7);
    expect(await effectsOf(event.eventId)).toBe(1);
  });

  it('refuses to run without a consumer name outside a consumer', async () => {
    await expect(inbox.transaction(newEvent(), async () => undefined)).rejects.toThrow(/consumer name/);
  });
});

function effectsTableOf(name: string): Table {
  return new Table({
    name,
    columns: [
      { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
      { name: 'event_id', type: 'varchar', length: '64' },
    ],
  });
}
