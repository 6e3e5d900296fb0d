// Builds the library to libs/cqrs-broker/dist (as it is published), then the
// apps and benchmarks to dist/, which import the library by its package name.
import { execFileSync } from 'node:child_process';

const tsc = (project) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
execFileSync(process.execPath, ['scripts/build-lib.mjs'], { stdio: 'inherit' }); // from a clean libs/cqrs-broker/dist
tsc('tsconfig.build.json');
