// Preloaded (node --require) into the Nest 11 run of the suites (scripts/nest11.mjs): every
// require() of an `@nestjs/*` package that would find the workspace's Nest 12 resolves in
// .nest11/node_modules instead. Vite's aliases (vitest.nest11.config.ts) do the same for imports;
// this covers Node's own require: the library's optional-peer loader (createRequire) and CommonJS
// packages. Requests from inside .nest11 already resolve there.
const Module = require('node:module');
const path = require('node:path');

const modules = process.env.CQRS_BROKER_NEST_MODULES;
if (!modules) throw new Error('test/nest11/redirect.cjs needs CQRS_BROKER_NEST_MODULES (the Nest 11 node_modules folder)');
const within = path.resolve(modules) + path.sep;
const anchor = path.join(within, 'anchor.js');

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  if (request.startsWith('@nestjs/') && !(parent?.filename ?? '').startsWith(within)) {
    try {
      return resolveFilename.call(this, request, { id: anchor, filename: anchor, paths: Module._nodeModulePaths(within) }, isMain, options);
    } catch {
      // Not in the Nest 11 line (an @nestjs package it does not install): the workspace's.
    }
  }
  return resolveFilename.call(this, request, parent, isMain, options);
};
