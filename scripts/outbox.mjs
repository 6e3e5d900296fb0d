// `npm run outbox -- <command>`: the package's own `cqrs-broker outbox` CLI on
// the sample's database (DATABASE_URL, by default the sample's SQLite file), so
// nothing but the library needs to be built (`npm run build` once).
import { existsSync } from 'node:fs';

const cli = new URL('../libs/cqrs-broker/dist/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('The library is not built: run `npm run build` first.');
  process.exit(2);
}
process.env.DATABASE_URL ??= 'sqlite:./data/meeting-rooms.sqlite';
process.argv.splice(2, 0, 'outbox');
await import(cli.href);
