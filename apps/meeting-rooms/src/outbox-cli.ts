import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { OutboxAdmin } from 'nestjs-cqrs-broker/outbox';
import { RelayModule } from './relay/relay.module.js';

const USAGE = `Usage: npm run outbox -- <command>
  stats                 pending and dead counts, age of the oldest pending event
  dead [limit]          list dead events with their last error (default 20)
  replay <event-id>     make one dead event pending again
  replay-all            make every dead event pending again
  purge [older-than-s]  delete published events older than the given seconds (default 0: all)`;

const [command, argument] = process.argv.slice(2);
if (!command || command === 'help' || command === '--help') {
  console.log(USAGE);
  process.exit(command ? 0 : 2);
}

const app = await NestFactory.createApplicationContext(RelayModule.forRoot(), { logger: ['error', 'warn'] });
const admin = app.get(OutboxAdmin);
let exitCode = 0;
try {
  switch (command) {
    case 'stats':
      console.log(JSON.stringify(await admin.stats(), null, 2));
      break;
    case 'dead':
      console.table(await admin.listDead(Number(argument ?? 20)));
      break;
    case 'replay':
      if (!argument) throw new Error('replay needs an event id');
      if (await admin.replay(argument)) console.log(`Event ${argument} is pending again.`);
      else {
        console.error(`No dead event with id ${argument}.`);
        exitCode = 1;
      }
      break;
    case 'replay-all':
      console.log(`${await admin.replayAllDead()} dead event(s) are pending again.`);
      break;
    case 'purge':
      console.log(`${await admin.purgePublished(Number(argument ?? 0) * 1000)} published event(s) deleted.`);
      break;
    default:
      console.error(`Unknown command "${command}".\n${USAGE}`);
      exitCode = 2;
  }
} finally {
  await app.close();
}
process.exit(exitCode);
