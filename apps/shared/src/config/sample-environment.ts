import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { UNKNOWN_EVENT_POLICIES, type UnknownEventPolicy } from 'nestjs-cqrs-broker';
import { AMQP_TOPOLOGIES, type AmqpTopology } from 'nestjs-cqrs-broker/amqp';
import { IsBrokerUrl, IsDatabaseUrl } from './url.validators.js';

/**
 * The variables both samples read. Each app extends it with its own `PORT`
 * and `DATABASE_URL` defaults; `validateEnvironment` checks it once at startup
 * and `ConfigService` serves the result. An empty variable counts as unset.
 */
export class SampleEnvironment {
  /** HTTP port; `0` picks a free one. */
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT!: number;

  @IsDatabaseUrl()
  DATABASE_URL!: string;

  @IsBrokerUrl()
  BROKER_URL = 'memory://';

  /** RabbitMQ only: `python-cqrs` declares and reads what python-cqrs services do (docs/python-cqrs.md); `default`: our durable topology. */
  @IsIn(AMQP_TOPOLOGIES)
  AMQP_TOPOLOGY: AmqpTopology = 'default';

  /** The zone a received event timestamp without one is read in (`UTC`, `local`, `+09:00`, `Asia/Tokyo`): python-cqrs producers' local zone. */
  @IsString()
  @IsNotEmpty()
  NAIVE_TIMESTAMP_ZONE = 'UTC';

  /** What the notifications consumer does with an event name it has no handler for: `skip` (acknowledge, log once per name) or `dead-letter` (docs/python-cqrs.md). */
  @IsIn(UNKNOWN_EVENT_POLICIES)
  UNKNOWN_EVENTS: UnknownEventPolicy = 'skip';

  /** `log`: log, warn and error; `debug` adds debug and verbose (one line per handled request); `silent` turns Nest's logger off (the e2e tests use it). */
  @IsIn(['debug', 'log', 'silent'])
  LOG_LEVEL: 'debug' | 'log' | 'silent' = 'log';

  /** `production` turns the API docs off unless `API_DOCS=true`; any other value, or none, is development. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /** Where the notifications' `DeliveryLog` appends one line per delivery; unset: nowhere. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  DELIVERY_LOG?: string;

  /** TEST ONLY (the fault suite's crash-looping message): the notifications handlers SIGKILL their own process while handling this event id. Unset: never. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  CRASH_ON_EVENT_ID?: string;
}
