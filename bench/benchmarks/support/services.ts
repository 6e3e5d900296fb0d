// Where the benchmarks find their services: the same variables and defaults as
// scripts/services.mjs (which `npm run bench` uses to start any that is down).

export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export type BenchDatabase = 'postgres' | 'mariadb';

export const DATABASE_LABEL: Record<BenchDatabase, string> = { postgres: 'PostgreSQL', mariadb: 'MariaDB' };
