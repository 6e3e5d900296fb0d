// Builds the library to libs/cqrs-broker/dist (as it is published), then the
// apps and benchmarks to dist/, which import the library by its package name.
import { execFileSync } from 'node:child_process';

const tsc = (project) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
tsc('libs/cqrs-broker/tsconfig.lib.json');
tsc('tsconfig.build.json');
