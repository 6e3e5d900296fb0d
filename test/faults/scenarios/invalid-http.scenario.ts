import { Stack } from '../support/stack.js';
import type { Scenario, ScenarioOutcome } from './scenario.js';

/** Invalid joins: body, and the status codes that are acceptable. */
const REQUESTS: ReadonlyArray<{ name: string; body: string | Uint8Array<ArrayBuffer>; contentType?: string; path?: string; expect: number[] }> = [
  { name: 'userId a number', body: JSON.stringify({ userId: 42 }), expect: [400] },
  { name: 'userId null', body: JSON.stringify({ userId: null }), expect: [400] },
  { name: 'userId an object', body: JSON.stringify({ userId: { $ne: '' } }), expect: [400] },
  { name: 'userId an array', body: JSON.stringify({ userId: ['a', 'b'] }), expect: [400] },
  { name: 'userId empty', body: JSON.stringify({ userId: '' }), expect: [400] },
  { name: 'userId 101 chars', body: JSON.stringify({ userId: 'u'.repeat(101) }), expect: [400] },
  { name: 'missing userId', body: JSON.stringify({}), expect: [400] },
  { name: 'extra field', body: JSON.stringify({ userId: 'u-1', admin: true }), expect: [400] },
  { name: 'body a JSON array', body: JSON.stringify([{ userId: 'u-1' }]), expect: [400] },
  { name: 'body a JSON string', body: JSON.stringify('u-1'), expect: [400] },
  { name: 'body not JSON', body: '{"userId": "u-1"', expect: [400] },
  { name: 'empty body', body: '', expect: [400] },
  { name: 'text/plain body', body: 'userId=u-1', contentType: 'text/plain', expect: [415] },
  { name: 'NUL in userId', body: JSON.stringify({ userId: 'u\u00001' }), expect: [400] },
  { name: 'NUL in meeting id', body: JSON.stringify({ userId: 'u-1' }), path: 'm%00x', expect: [400] },
  { name: 'blank meeting id', body: JSON.stringify({ userId: 'u-1' }), path: '%20', expect: [400] },
  { name: 'blank userId', body: JSON.stringify({ userId: '  ' }), expect: [400] },
  { name: 'key constructor', body: '{"userId":"u-1","constructor":{"a":1}}', expect: [400] },
  { name: 'key __proto__', body: '{"userId":"u-1","__proto__":{"a":1}}', expect: [400] },
  { name: 'JSON 5,000 deep', body: `{"userId":"u-1","x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, expect: [400] },
  { name: 'meeting id 101 chars', body: JSON.stringify({ userId: 'u-1' }), path: `m${'x'.repeat(100)}`, expect: [400] },
  { name: '65 kB body', body: JSON.stringify({ userId: 'u-1', pad: 'x'.repeat(65 * 1024) }), expect: [413] },
  { name: '1 MB body', body: JSON.stringify({ userId: 'u'.repeat(1024 * 1024) }), expect: [413] },
  { name: '20 MB body', body: new Uint8Array(20 * 1024 * 1024).fill(97), expect: [413] },
  { name: '20 MB text/plain body', body: new Uint8Array(20 * 1024 * 1024).fill(97), contentType: 'text/plain', expect: [413] },
];

/**
 * 8. Invalid HTTP commands (bad types, missing, extra and reserved fields,
 * NUL bytes and blank ids, JSON nested thousands deep, bodies that are not
 * JSON, huge bodies of any type): each gets 400, 413 or 415, and the outbox
 * (and the participants table) has exactly as many rows after as before.
 * Each request is sent 20 times. Broker-independent: run once.
 */
export const invalidHttp: Scenario = {
  name: '8 invalid HTTP commands',
  slug: 'invalidhttp',
  runs: [{ broker: 'n/a', database: 'postgres' }],
  async run({ database }) {
    const stack = await Stack.start({ slug: this.slug, broker: 'rabbitmq', database, api: true });
    try {
      const before = { outbox: await stack.outboxCount(), participants: await countParticipants(stack) };
      const unexpected: string[] = [];
      const statuses = new Map<number, number>();
      let sent = 0;
      for (let round = 0; round < 20; round++) {
        for (const request of REQUESTS) {
          const response = await fetch(`http://127.0.0.1:${stack.apiPort}/meetings/${request.path ?? `inv-${round}`}/participants`, {
            method: 'POST',
            headers: { 'content-type': request.contentType ?? 'application/json' },
            body: request.body,
          }).catch((error: Error) => ({ status: -1, arrayBuffer: async () => error.message }));
          await response.arrayBuffer().catch(() => undefined);
          sent++;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (!request.expect.includes(response.status) && round === 0) unexpected.push(`${request.name}: ${response.status}`);
        }
      }
      const after = { outbox: await stack.outboxCount(), participants: await countParticipants(stack) };
      // Still serving valid commands afterwards.
      const valid = await fetch(`http://127.0.0.1:${stack.apiPort}/meetings/inv-ok/participants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'u-ok' }),
      });
      const failures = [...unexpected.map((u) => `unexpected status ${u}`)];
      const written = after.outbox - before.outbox;
      if (written) failures.push(`${written} outbox rows written by invalid commands`);
      if (after.participants !== before.participants) failures.push(`${after.participants - before.participants} participants written`);
      if (valid.status !== 201) failures.push(`a valid join afterwards got ${valid.status}`);
      const codes = [...statuses].map(([code, n]) => `${n}× ${code}`).join(', ');
      const outcome: ScenarioOutcome = {
        events: sent,
        delivered: null,
        duplicates: null,
        handled: null,
        lost: null,
        recoveryMs: null,
        pass: failures.length === 0,
        note: [`${REQUESTS.length} kinds × 20: ${codes}`, `outbox rows ${before.outbox} before, ${after.outbox} after`, ...failures].join('; '),
        failures,
      };
      return outcome;
    } finally {
      await stack.stop();
    }
  },
};

async function countParticipants(stack: Stack): Promise<number> {
  const [row] = await stack.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM meeting_participants');
  return Number(row.n);
}
