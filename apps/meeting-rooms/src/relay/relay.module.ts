import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CqrsBrokerModule } from 'nestjs-cqrs-broker';
import type { AppConfig } from '../config/app-config.js';
import { createMessageBroker } from '../../../shared/src/broker.factory.js';
import { databaseOptions } from '../../../shared/src/database-options.js';
import { outboxEntity, outboxModule } from '../config/outbox.config.js';

/** Only what relaying needs: the database, the broker and the outbox (used by `npm run relay` and `npm run outbox`). */
@Module({})
export class RelayModule {
  static forRoot(config: AppConfig): DynamicModule {
    const database = databaseOptions(config.databaseUrl);
    return {
      module: RelayModule,
      imports: [
        TypeOrmModule.forRoot({ ...database, entities: [outboxEntity(database)], synchronize: true }),
        ScheduleModule.forRoot(),
        CqrsBrokerModule.forRoot({ broker: createMessageBroker(config.brokerUrl) }),
        outboxModule(config, false),
      ],
    };
  }
}
