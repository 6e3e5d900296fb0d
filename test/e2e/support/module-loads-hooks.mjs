// Resolve hook of module-loads.mjs: records `@opentelemetry/*` specifiers, then resolves as usual.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/') && process.env.MODULE_LOADS_FILE) appendFileSync(process.env.MODULE_LOADS_FILE, `${specifier}\n`);
  return next(specifier, context);
}
