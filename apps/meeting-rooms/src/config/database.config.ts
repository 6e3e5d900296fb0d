import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { EntitySchema } from 'typeorm';
import { databaseOptions } from '../../../shared/src/database-options.js';
import type { MeetingRoomsEnvironment } from './meeting-rooms.environment.js';
import { outboxEntity } from './outbox.config.js';

type Entities = ReadonlyArray<Function | EntitySchema>;

/**
 * The app's data source on DATABASE_URL, with the outbox table and the tables
 * `entities` names for the validated environment.
 */
export function databaseModule(entities: (config: ConfigService<MeetingRoomsEnvironment, true>) => Entities = () => []) {
  return TypeOrmModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (config: ConfigService<MeetingRoomsEnvironment, true>) => {
      const database = databaseOptions(config.get('DATABASE_URL', { infer: true }));
      return { ...database, entities: [...entities(config), outboxEntity(database)], synchronize: true };
    },
  });
}
