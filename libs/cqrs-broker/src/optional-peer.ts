import type { OptionalFactoryDependency } from '@nestjs/common';
import { createRequire } from 'node:module';
import { MissingPeerDependencyException } from './errors/missing-peer-dependency.exception.js';

/**
 * The one place the library loads its optional peer packages (typeorm,
 * kafkajs, amqp-connection-manager, amqplib, @nestjs/schedule, cockatiel,
 * pg-logical-replication, …). Nothing imports an optional peer at module
 * level (type imports aside), so every entry point loads without it; the
 * feature that needs it loads it here when it is used, and a missing package
 * becomes a {@link MissingPeerDependencyException}: one line naming the
 * package to install and what needs it.
 */

/** Resolves from the library's own location, as a static import would. */
const requireFromHere = createRequire(import.meta.url);

const loaded = new Map<string, unknown>();
const loading = new Map<string, Promise<unknown>>();

/** `Cannot find module 'x'` (CommonJS) and `Cannot find package 'x'` (ESM), from Node or a test double. */
const NOT_FOUND = /Cannot find (?:module|package) '([^']+)'/;

/**
 * The package an import failure says is missing, or `undefined` when the
 * package was found but failed to load (that error is rethrown as it is).
 * A peer that is present but misses its own dependency (amqp-connection-manager
 * without amqplib) names that dependency.
 */
function missingPackageOf(error: unknown): string | undefined {
  // The cause chain too: a loader (or a test's module mock) may wrap Node's error.
  let specifier: string | undefined;
  for (let e: unknown = error, depth = 0; e !== undefined && specifier === undefined && depth < 5; depth++) {
    specifier = NOT_FOUND.exec(e instanceof Error ? e.message : String(e))?.[1];
    e = e instanceof Error ? e.cause : undefined;
  }
  if (specifier === undefined) return undefined;
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function failure(error: unknown, neededBy: string): unknown {
  const missing = missingPackageOf(error);
  return missing === undefined ? error : new MissingPeerDependencyException(missing, neededBy, { cause: error });
}

/**
 * Loads the optional peer `name` once (dynamic `import()`), for features that
 * start asynchronously (a module factory, a relay or broker that connects).
 * Rejects with a {@link MissingPeerDependencyException} naming the package
 * and `neededBy` when it is not installed.
 */
export function loadOptionalPeer<T>(name: string, neededBy: string): Promise<T> {
  let promise = loading.get(name) as Promise<T> | undefined;
  if (!promise) {
    promise = import(name).then((module: T & { default?: T }) => {
      loaded.set(name, module);
      return module;
    });
    loading.set(name, promise);
    promise.catch(() => loading.delete(name));
  }
  return promise.catch((error: unknown) => {
    throw failure(error, neededBy);
  });
}

/**
 * Loads the optional peer `name` synchronously (Node's `require`, which also
 * loads an ES module package on the Node versions the library supports), for
 * the few places that cannot wait: a constructor the app calls while it
 * declares its modules, an entity factory, an injection token. Throws a
 * {@link MissingPeerDependencyException} when it is not installed.
 */
export function requireOptionalPeer<T>(name: string, neededBy: string): T {
  if (loaded.has(name)) return loaded.get(name) as T;
  try {
    const module = requireFromHere(name) as T;
    loaded.set(name, module);
    return module;
  } catch (error) {
    throw failure(error, neededBy);
  }
}

/** The optional peer `name` if it is installed, else `undefined` (for features that work without it). */
export function optionalPeerIfInstalled<T>(name: string): T | undefined {
  try {
    return requireOptionalPeer<T>(name, name);
  } catch (error) {
    if (error instanceof MissingPeerDependencyException) return undefined;
    throw error;
  }
}

/**
 * An `inject` entry for an optional peer's class used as a DI token (the app's TypeORM
 * `DataSource`, @nestjs/schedule's `SchedulerRegistry`), read by Nest at startup rather than
 * when the module file loads. With `neededBy`, a missing package fails startup naming it and
 * `neededBy`; without, the dependency is simply absent (`undefined`).
 */
export function optionalPeerToken(name: string, exportName: string, neededBy?: string): OptionalFactoryDependency {
  const absent = Symbol(`${name} is not installed`);
  return {
    get token() {
      const module = neededBy === undefined ? optionalPeerIfInstalled<Record<string, Function>>(name) : requireOptionalPeer<Record<string, Function>>(name, neededBy);
      return module?.[exportName] ?? absent;
    },
    optional: true,
  };
}
