import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidEnvironmentException } from './invalid-environment.exception.js';

/**
 * The `validate` function for `ConfigModule.forRoot`: converts the raw
 * variables to `environment` (numbers from strings; defaults from its
 * initializers), keeps only the variables it declares, and throws
 * {@link InvalidEnvironmentException} naming every bad one.
 */
export function validateEnvironment<T extends object>(environment: ClassConstructor<T>): (variables: Record<string, unknown>) => T {
  return (variables) => {
    // `FOO=` means unset, as `process.env.FOO || default` did before.
    const set = Object.fromEntries(Object.entries(variables).filter(([, value]) => value !== ''));
    const settings = plainToInstance(environment, set, { enableImplicitConversion: true });
    const errors = validateSync(settings, { whitelist: true, stopAtFirstError: true });
    if (errors.length > 0) {
      throw new InvalidEnvironmentException(errors.flatMap((error) => Object.values(error.constraints ?? {})));
    }
    return settings;
  };
}
