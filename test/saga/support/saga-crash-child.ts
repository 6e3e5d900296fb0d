// A saga worker in a process of its own, to be SIGKILLed: starts the sagas of its range (concurrently, idempotent by id)
// and runs the recovery worker. Prints `CREATED <id>` once a saga is durable, `RANGE DONE` when its range has ended.
// Run: node --import ./test/brokers/support/child/register.mjs test/saga/support/saga-crash-child.ts
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { SagaRecovery } from '../../../libs/cqrs-broker/src/saga/saga-recovery.js';
import { crashDatabaseOptions, crashExecutor, failAtOf } from './crash-saga.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`saga-crash-child needs ${name}`);
  return value;
};

const dataSource = await new DataSource(crashDatabaseOptions(env('SAGA_DB'), process.env.SAGA_SQLITE_FILE)).initialize();
const executor = await crashExecutor(dataSource, env('SAGA_TABLE'), env('SAGA_EFFECTS'), env('SAGA_WORKER'), Number(env('SAGA_LEASE_MS')));
const recovery = new SagaRecovery({ executor });
recovery.start();

const prefix = env('SAGA_PREFIX');
const count = Number(env('SAGA_COUNT'));
const saga = executor.sagaOf('crash-order');
let next = 0;
const lane = async () => {
  while (next < count) {
    const n = next++;
    const id = `${prefix}-${n}`;
    await executor.create(saga, id, { n, failAt: failAtOf(n) });
    process.stdout.write(`CREATED ${id}\n`);
    await executor.run(id);
  }
};
await Promise.all(Array.from({ length: 6 }, lane));
process.stdout.write('RANGE DONE\n');
// Keeps recovering until the test stops it.
