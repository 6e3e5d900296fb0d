import { ValidateBy, type ValidationArguments } from 'class-validator';
import { parseBrokerUrl } from 'nestjs-cqrs-broker';
import { DATABASE_URL_SCHEMES, databaseSchemeOf } from '../database-options.js';

// The messages never echo the URL: it may carry a password.

/** A URL `parseBrokerUrl` accepts: `memory://`, `kafka://…`, `amqp://…` (and the TLS schemes). */
export function IsBrokerUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isBrokerUrl',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parsesAsBrokerUrl(value),
      defaultMessage: ({ property }: ValidationArguments) =>
        `${property} must be memory://, kafka://host:port[,host:port] or amqp://user:pass@host:port/vhost`,
    },
  });
}

/** A URL `databaseOptions` accepts: `sqlite:<file>`, `postgres://…`, `mysql://…` or `mariadb://…`. */
export function IsDatabaseUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isDatabaseUrl',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && (DATABASE_URL_SCHEMES as readonly string[]).includes(databaseSchemeOf(value)),
      defaultMessage: ({ property }: ValidationArguments) => `${property} must start with sqlite:, postgres://, mysql:// or mariadb://`,
    },
  });
}

function parsesAsBrokerUrl(url: string): boolean {
  try {
    parseBrokerUrl(url);
    return true;
  } catch {
    return false;
  }
}
