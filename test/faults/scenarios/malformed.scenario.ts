import { randomUUID } from 'node:crypto';
import { injectRaw, readDeadLetters, type RawMessage } from '../support/raw-broker.js';
import { EVENT_NAME, Stack, TOPIC } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, recoveryDeadlineMs, type Scenario } from './scenario.js';

const CASE_HEADER = 'x-fault-case';

/** A wire event as python-cqrs writes it. */
const wire = (eventName: string, payload: unknown) =>
  Buffer.from(JSON.stringify({ event_id: randomUUID(), event_timestamp: new Date().toISOString(), event_name: eventName, topic: TOPIC, payload }));

/** The malformed messages, and what their dead-letter reason must say. */
const CASES: ReadonlyArray<{ name: string; body: () => Buffer; reason: RegExp }> = [
  { name: 'not-json', body: () => Buffer.from('{"event_id": "oops", this is not JSON'), reason: /not JSON/i },
  { name: 'failed-validation', body: () => wire(EVENT_NAME, { meetingId: 'm-1' }), reason: /failed validation.*userId/ },
  { name: '5mb-payload', body: () => wire(EVENT_NAME, { meetingId: 'm-big', userId: 'u-big', note: 'x'.repeat(5 * 1024 * 1024) }), reason: /bytes|too large|size/i },
];
/** Well-formed, but of an event the consumer has no class for: skipped (acknowledged), not dead-lettered (`unknownEvents: 'skip'`, the default). */
const SKIPPED = { name: 'unknown-event', body: () => wire('no_such_event', { meetingId: 'm', userId: 'u' }) };

/**
 * 7. Malformed messages are injected straight into the queue/topic between
 * two halves of a normal stream: not JSON, an unknown event name, a payload
 * failing validation, a 5 MB message. Each but the unknown event must be
 * dead-lettered at once with its reason; the unknown event is skipped (the
 * consumer's default `unknownEvents: 'skip'`): it must not be dead-lettered.
 * The consumer must go on with the rest.
 */
export const malformed: Scenario = {
  name: '7 malformed messages',
  slug: 'malformed',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false });
    try {
      const events = Stack.events(count, 'mf');
      const half = Math.floor(count / 2);
      const started = Date.now();
      await stack.insert(events.slice(0, half), { chunk: 250 });
      // The unknown event goes before the others: were it dead-lettered, it would be among the letters read below.
      const injected: RawMessage[] = [SKIPPED, ...CASES].map((c) => ({ body: c.body(), headers: { [CASE_HEADER]: c.name } }));
      await injectRaw(stack.services, injected);
      log(`injected ${injected.length} malformed messages`);
      await stack.insert(events.slice(half), { chunk: 250 });
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const letters = await readDeadLetters(stack.services, CASES.length, 30_000);
      const extra: string[] = [];
      const seen: string[] = [];
      for (const c of CASES) {
        const letter = letters.find((l) => l.headers[CASE_HEADER] === c.name);
        const reason = letter?.headers['x-dead-letter-reason'];
        if (!letter) extra.push(`${c.name} was not dead-lettered`);
        else if (!c.reason.test(reason ?? '')) extra.push(`${c.name} dead-lettered with reason "${reason}"`);
        else if (letter.headers['x-delivery-attempts'] !== '1') extra.push(`${c.name} was retried (${letter.headers['x-delivery-attempts']} attempts)`);
        else seen.push(`${c.name}: "${reason!.slice(0, 70)}"`);
      }
      const skippedLetter = letters.find((l) => l.headers[CASE_HEADER] === SKIPPED.name);
      if (skippedLetter) extra.push(`${SKIPPED.name} was dead-lettered ("${skippedLetter.headers['x-dead-letter-reason']}") instead of skipped`);
      return judge(tally, done ? done - started : null, [`${seen.length}/${CASES.length} malformed dead-lettered at once (${seen.join('; ')}); ${skippedLetter ? 'the unknown event was dead-lettered' : 'the unknown event skipped'}`], extra);
    } finally {
      await stack.stop();
    }
  },
};
