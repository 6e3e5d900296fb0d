import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MinLength } from 'class-validator';
import { WIRE_FORMATS, type WireFormat } from 'nestjs-cqrs-broker';
import { OUTBOX_CODECS, type OutboxClaimMode, type OutboxCodec, type OutboxRelaySource } from 'nestjs-cqrs-broker/outbox';
import { SampleEnvironment } from '../../../shared/src/config/sample-environment.js';

/** The API's, the relay's and the outbox CLI's variables (README, "Configuration"), with their defaults. */
export class MeetingRoomsEnvironment extends SampleEnvironment {
  override PORT = 3000;

  /** Where the sample keeps its SQLite file when DATABASE_URL is not set. */
  override DATABASE_URL = 'sqlite:./data/meeting-rooms.sqlite';

  /** Run the outbox relay inside the API process; `false` when a separate `npm run relay` does it. */
  // Read the raw string: implicit conversion would turn "false" into true.
  @Transform(({ obj, key }) => (obj[key] === 'true' ? true : obj[key] === 'false' ? false : obj[key]))
  @IsBoolean({ message: '$property must be true or false' })
  RUN_RELAY = true;

  /** Where the relay reads new events: the outbox table, or PostgreSQL's WAL (docs/outbox.md, "Relay sources"). */
  @IsIn(['table', 'logical-replication'])
  OUTBOX_SOURCE: OutboxRelaySource = 'table';

  /** How the table relay holds a batch while publishing it: a lease, or row locks of an open transaction (PostgreSQL, MariaDB; docs/outbox.md, "Claim modes"). */
  @IsIn(['lease', 'lock'])
  OUTBOX_CLAIM: OutboxClaimMode = 'lease';

  /** `logical-replication` only: the replication slot; unset: `cqrs_outbox_outbox`. */
  @IsOptional()
  @IsString()
  OUTBOX_SLOT?: string;

  /** Layout of the events written: `python-cqrs` (1.0+), or `python-cqrs-0.0`, the envelope a python-cqrs 0.0.x consumer needs (docs/python-cqrs.md). */
  @IsIn(WIRE_FORMATS)
  WIRE_FORMAT: WireFormat = 'python-cqrs';

  /** Compression of new outbox rows. */
  @IsIn(OUTBOX_CODECS)
  OUTBOX_CODEC: OutboxCodec = 'none';

  /** Serve the Swagger UI at `/docs`; unset: yes, unless NODE_ENV=production. */
  @IsOptional()
  @Transform(({ obj, key }) => (obj[key] === 'true' ? true : obj[key] === 'false' ? false : obj[key]))
  @IsBoolean({ message: '$property must be true or false' })
  API_DOCS?: boolean;

  /** A caller sending `Authorization: Bearer <HEALTH_TOKEN>` sees `/health`'s details; unset: nobody does. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: '$property must be at least 16 characters long' })
  HEALTH_TOKEN?: string;

  /** Mounts the outbox admin routes under `/admin/outbox`, for callers sending `Authorization: Bearer <ADMIN_TOKEN>`; unset: not mounted. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: '$property must be at least 16 characters long' })
  ADMIN_TOKEN?: string;
}
