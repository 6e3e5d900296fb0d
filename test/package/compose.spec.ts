// docker-compose.yml and the Dockerfile tell one story with the tests and the README: the same
// servers and credentials, a file valid under the Compose specification (checked against the
// specification's JSON schema, as shipped in the dclint package, since no Docker engine runs
// here), and an image Node inside the library's engines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import semver from 'semver';
import { parse } from 'yaml';
import { repoRoot } from './package-apps.js';

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: string[] };
}

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('is valid under the Compose specification schema', () => {
    // dclint's exports do not list the schema file; it sits in the package folder.
    const schemaPath = join(repoRoot, 'node_modules/dclint/schemas/compose.schema.json');
    // Its $schema names draft-07 by an https URL Ajv does not know; Ajv's default is draft-07.
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], 'schema errors').toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the databases the tests run (PostgreSQL, MariaDB; no MySQL) with the credentials the tests use', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'mariadb', 'rabbitmq', 'kafka']));
    expect(Object.values(services).map((s) => s.image ?? '')).not.toContainEqual(expect.stringMatching(/^mysql/));
    expect(services.mariadb!.image).toMatch(/^mariadb:/);

    // The tests' defaults: postgres without a password, root with an empty one, databases named test.
    const testServices = read('scripts/services.mjs');
    expect(testServices).toContain("'postgres://postgres@127.0.0.1:5432/test'");
    expect(testServices).toContain("'mysql://root@127.0.0.1:3306/test'");
    expect(services.postgres!.environment).toMatchObject({ POSTGRES_USER: 'postgres', POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' });
    expect(services.postgres!.environment).not.toHaveProperty('POSTGRES_PASSWORD');
    expect(services.mariadb!.environment).toMatchObject({ MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'test' });

    // The sample processes connect with the same users.
    for (const name of ['meeting-rooms', 'relay', 'meeting-notifications']) {
      expect(String(services[name]!.environment!.DATABASE_URL)).toMatch(/^postgres:\/\/postgres@postgres:5432\//);
    }
  });

  it('publishes every port on 127.0.0.1 only (the databases have no password)', () => {
    const ports = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    expect(ports.filter((port) => !port.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('is what the README tells users to run', () => {
    const readme = read('README.md');
    expect(readme).toContain('DATABASE_URL=postgres://postgres@localhost:5432/test');
    expect(readme).not.toMatch(/postgres:postgres@|root:root@|MySQL 8/);
  });
});

describe('Dockerfile', () => {
  it("runs a Node inside the library's engines", () => {
    const from = /^FROM node:(\d+)(?:\.(\d+))?(?:\.(\d+))?[-\s]/m.exec(read('Dockerfile'));
    expect(from, 'a FROM node:<version> line').not.toBeNull();
    const engines = (JSON.parse(read('libs/cqrs-broker/package.json')) as { engines: { node: string } }).engines.node;
    // A major-only tag (node:22) follows the newest release of that major.
    const tag = from!.slice(1).filter(Boolean).join('.');
    const range = from![2] ? tag : `>=${tag}.0.0 <${Number(tag) + 1}.0.0`;
    expect(semver.intersects(range, engines), `node:${tag} within ${engines}`).toBe(true);
  });
});
