// The published package, as users get it: packs libs/cqrs-broker, lints the tarball (publint,
// arethetypeswrong), then installs it into freshly generated apps outside the workspace, ESM and
// CommonJS on Nest 12 and Nest 11, and in each compiles the app (every moduleResolution that
// kind of app uses) and runs one real flow: command → entity + event in the outbox → relay
// microservice → in-memory broker → consumer → inbox → handler. See package-apps.ts.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { APP_KINDS, NEST_LINES, exec, optionalPeers, withoutPeer, NODE_FLOORS, canFetchNode, loadEntryPoints, nodeBinary, compileApp, generateApp, installTarball, installedVersions, newRunFolder, packLibrary, repoRoot, runApp, step, type PackReport } from './package-apps.js';

const bin = (name: string) => join(repoRoot, 'node_modules/.bin', name);

/**
 * What using each optional peer's feature gives without the package: the one line naming it.
 * Every optional peer of the library's package.json has a row (a new one must be added here).
 */
const npmInstall = (name: string) => `needs the package ${name}: npm install ${name}`;
const WITHOUT_PEER: Record<string, Record<string, string>> = {
  typeorm: {
    createOutboxEntity: `createOutboxEntity ${npmInstall('typeorm')}`,
    OutboxModule: `OutboxModule ${npmInstall('typeorm')}`,
    InboxModule: `InboxModule ${npmInstall('typeorm')}`,
    SagaModule: `SagaModule ${npmInstall('typeorm')}`,
  },
  kafkajs: { KafkaMessageBroker: `KafkaMessageBroker ${npmInstall('kafkajs')}` },
  'amqp-connection-manager': { AmqpMessageBroker: `RabbitMQ (nestjs-cqrs-broker/amqp) ${npmInstall('amqp-connection-manager')}` },
  // amqp-connection-manager is there but cannot load its own dependency: the message names that one.
  amqplib: { AmqpMessageBroker: `RabbitMQ (nestjs-cqrs-broker/amqp) ${npmInstall('amqplib')}` },
  cockatiel: { 'a circuit breaker': `The circuit breaker of RequestMap binding of Answer ${npmInstall('cockatiel')}` },
  '@opentelemetry/api': { 'tracing: true': `CqrsBrokerModule option tracing: true ${npmInstall('@opentelemetry/api')}` },
  protobufjs: { 'a protobuf event': `The protobuf codec of RoomBooked ${npmInstall('protobufjs')}` },
  // Nothing loads it: OutboxEventPublisher only has its shape (the app passes in its EventBus).
  '@nestjs/cqrs': {},
  // Nothing needs it: the relay's purge runs on its own timer (a SchedulerRegistry job only where ScheduleModule is imported).
  '@nestjs/schedule': { 'the outbox and its relay': 'started' },
  // Used by relay.source 'logical-replication' on PostgreSQL, which these apps do not have: the imports are checked here,
  // the startup line by test/outbox/outbox-cdc-package.spec.ts.
  'pg-logical-replication': {},
  'prom-client': { 'metrics: true': `CqrsBrokerModule's metrics option ${npmInstall('prom-client')}` },
  // Nothing loads it: the health indicators only return its result shapes (its types are all they use).
  '@nestjs/terminus': { 'the health indicators': 'started' },
};

describe('the packed library', () => {
  let runFolder: string;
  let tarball: string;
  let report: PackReport;

  beforeAll(() => {
    runFolder = newRunFolder();
    ({ tarball, report } = packLibrary(join(runFolder, 'pack')));
  }, 300_000);

  afterAll(() => {
    // Kept when a test failed, to look at the generated apps.
    if (runFolder && !failed) rmSync(runFolder, { recursive: true, force: true });
    else if (runFolder) console.log(`package test: generated apps kept in ${runFolder}`);
  });

  let failed = false;
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });

  it('holds the build, its types, the sources its maps point to, README, LICENSE and CHANGELOG', () => {
    const files = new Set(report.files.map((file) => file.path));
    for (const path of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'src/index.ts']) {
      expect(files, `${path} in the tarball`).toContain(path);
    }
    for (const entry of ['outbox/index', 'inbox/index', 'brokers/kafka/index', 'brokers/amqp/index']) {
      expect(files).toContain(`dist/${entry}.js`);
      expect(files).toContain(`dist/${entry}.d.ts`);
    }
    const maps = [...files].filter((path) => path.endsWith('.map'));
    const unshipped = maps.flatMap((map) => {
      const sourceOf = map.replace(/^dist\//, 'src/').replace(/\.d\.ts\.map$|\.js\.map$/, '.ts');
      return files.has(sourceOf) ? [] : [`${map} → ${sourceOf}`];
    });
    expect(unshipped, 'source maps whose source is not in the tarball').toEqual([]);
    expect([...files].filter((path) => /\.spec\.ts$|tsconfig|\.tsbuildinfo$/.test(path))).toEqual([]);
  });

  it('gives every subpath types under moduleResolution node10 too (typesVersions matches exports)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'libs/cqrs-broker/package.json'), 'utf8')) as {
      exports: Record<string, string | { types?: string }>;
      typesVersions: Record<string, Record<string, string[]>>;
    };
    const subpaths = Object.entries(manifest.exports).filter(([subpath]) => subpath !== '.' && subpath !== './package.json');
    const expected = Object.fromEntries(subpaths.map(([subpath, target]) => [subpath.slice(2), [typeof target === 'string' ? target : target.types]]));
    expect(manifest.typesVersions['*']).toEqual(expected);
  });

  it('npm publish --dry-run warns about nothing but the missing login', () => {
    // The tarball of beforeAll is fresh, so the build is not repeated here.
    const run = exec('npm', ['publish', '--dry-run', '--ignore-scripts'], join(repoRoot, 'libs/cqrs-broker'), 120_000);
    expect(run.status, `[library] npm publish --dry-run:\n${run.output}`).toBe(0);
    const warnings = run.output.split('\n').filter((line) => /npm (warn|error)/i.test(line) && !/requires you to be logged in/.test(line));
    expect(warnings, '[library] npm publish --dry-run warnings').toEqual([]);
  }, 120_000);

  it('passes publint (strict) and arethetypeswrong for node10, node16 (ESM), bundler', () => {
    step('library', 'publint --strict', bin('publint'), ['run', tarball, '--strict'], repoRoot, 120_000);
    // cjs-resolves-to-esm is what this package is: ESM only, loaded by CommonJS through require(esm)
    // (Node ^20.19 || >=22.12, the engines range); the CommonJS apps below prove that it runs.
    step('library', 'attw', bin('attw'), [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped', '--no-color'], repoRoot, 120_000);
  }, 240_000);

  describe.each(NEST_LINES)('in apps on $name', (line) => {
    let lineFolder: string;

    beforeAll(() => {
      lineFolder = installTarball(line, runFolder, tarball);
    }, 900_000);

    it('installs without peer conflicts', () => {
      const library = JSON.parse(readFileSync(join(repoRoot, 'libs/cqrs-broker/package.json'), 'utf8')) as { version: string };
      const versions = installedVersions(lineFolder, ['nestjs-cqrs-broker', ...Object.keys(line.dependencies)]);
      console.log(`package test, ${line.name} app dependencies: ${JSON.stringify(versions)}`);
      expect(versions['nestjs-cqrs-broker']).toBe(library.version);
    });

    it.runIf(canFetchNode).each(NODE_FLOORS)('every entry point loads with require() and import() on Node %s', (version) => {
      const { cjs, esm } = loadEntryPoints(`${line.name} on Node ${version}`, nodeBinary(version), lineFolder);
      expect(cjs).toMatchObject({ node: `v${version}` });
      expect(cjs.exported, `${line.name} on Node ${version}: require() gives what import() gives`).toEqual(esm.exported);
      expect(Object.values(cjs.exported as Record<string, number>).every((count) => count > 0)).toBe(true);
    }, 300_000);

    it('has a check below for each optional peer of package.json', () => {
      expect(Object.keys(WITHOUT_PEER).sort()).toEqual(optionalPeers());
    });

    it.each(optionalPeers())('without %s: every entry point imports, and using what needs it fails at startup with one line naming it', (peer) => {
      const { imported, startup } = withoutPeer(`${line.name} without ${peer}`, lineFolder, peer);
      expect(Object.keys(imported).length, 'entry points checked').toBeGreaterThanOrEqual(7);
      expect(Object.entries(imported).filter(([, result]) => result !== 'ok'), `${line.name} without ${peer}: entry points that fail to import`).toEqual([]);
      expect(startup, `${line.name} without ${peer}: what using its features gives`).toEqual(WITHOUT_PEER[peer]);
    }, 180_000);

    for (const kind of APP_KINDS) {
    it(`a ${kind.name} app compiles and runs command → outbox → relay → consumer → inbox, the handler once`, () => {
      const subject = `${line.name}-${kind.name} app`;
      const app = generateApp(line, kind, lineFolder);
      compileApp(subject, kind, line, app);
      const result = runApp(subject, app);
      expect(result, `${subject}: the RESULT of the flow`).toMatchObject({
        rooms: 1,
        outbox: { pending: 0, published: 1, dead: 0 },
        handled: { processed: 1, duplicate: 1 },
        notifications: 1,
        entryPoints: { kafka: 'function', amqp: 'function' },
      });
    }, 300_000);
    }
  });
});
