// Module hooks for test children: the package aliases of vitest.config.ts, `.js` specifiers of TypeScript sources, and
// TypeScript transpiled file by file (decorators and their metadata included, as tsc emits them). Tests only.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = new URL('../../../../', import.meta.url);
const aliases = {
  'nestjs-cqrs-broker': 'libs/cqrs-broker/src/index.ts',
  'nestjs-cqrs-broker/outbox': 'libs/cqrs-broker/src/outbox/index.ts',
  'nestjs-cqrs-broker/inbox': 'libs/cqrs-broker/src/inbox/index.ts',
  'nestjs-cqrs-broker/kafka': 'libs/cqrs-broker/src/brokers/kafka/index.ts',
  'nestjs-cqrs-broker/amqp': 'libs/cqrs-broker/src/brokers/amqp/index.ts',
  'nestjs-cqrs-broker/testing': 'libs/cqrs-broker/src/testing/index.ts',
  'nestjs-cqrs-broker/saga': 'libs/cqrs-broker/src/saga/index.ts',
  'nestjs-cqrs-broker/health': 'libs/cqrs-broker/src/health/index.ts',
  'nestjs-cqrs-broker/admin': 'libs/cqrs-broker/src/admin/index.ts',
};
const compilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  inlineSourceMap: true,
};

export async function resolve(specifier, context, next) {
  if (aliases[specifier]) return { url: new URL(aliases[specifier], root).href, shortCircuit: true };
  if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const source = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(source))) return { url: source.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), { fileName, compilerOptions });
  return { format: 'module', source: outputText, shortCircuit: true };
}
