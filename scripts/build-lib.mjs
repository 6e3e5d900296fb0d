// Builds the library as it is published: removes libs/cqrs-broker/dist first, so
// files of deleted sources never linger in a tarball, then compiles with
// tsconfig.lib.json. `npm pack` / `npm publish` in libs/cqrs-broker run it (prepack),
// and so does `npm run build`.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const lib = fileURLToPath(new URL('../libs/cqrs-broker/', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(`${lib}dist`, { recursive: true, force: true });
const build = spawnSync(process.execPath, [tsc, '-p', `${lib}tsconfig.lib.json`], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('The library did not compile (see above).');
  process.exit(build.status ?? 1);
}
