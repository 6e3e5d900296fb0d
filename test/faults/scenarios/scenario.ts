// What a scenario is, and the pass rule every event-counting scenario shares.
import type { ResultRow } from '../support/report.js';
import type { BrokerKind, DatabaseKind } from '../support/services.js';
import type { Tally } from '../support/stack.js';

export interface ScenarioRun {
  readonly broker: BrokerKind | 'n/a';
  readonly database: DatabaseKind;
}

export interface ScenarioContext extends ScenarioRun {
  /** Events to push through (FAULTS_EVENTS). */
  readonly events: number;
  readonly log: (message: string) => void;
}

export type ScenarioOutcome = Omit<ResultRow, 'scenario' | 'broker' | 'database' | 'wallMs'> & {
  /** Why it failed, for the assertion message. */
  readonly failures: readonly string[];
};

export interface Scenario {
  /** "1 relay SIGKILL ×5", as in the table. */
  readonly name: string;
  /** Lowercase slug for databases, vhosts and log directories. */
  readonly slug: string;
  readonly runs: readonly ScenarioRun[];
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Pass rule: every event handled, exactly once (inbox); duplicates delivered are allowed and reported. */
export function judge(tally: Tally, recoveryMs: number | null, notes: string[], extraFailures: string[] = []): ScenarioOutcome {
  const failures = [...extraFailures];
  if (tally.lost) failures.push(`${tally.lost} events lost (e.g. ${tally.lostSample.join(', ')})`);
  if (tally.handledTwice) failures.push(`${tally.handledTwice} events handled twice`);
  if (tally.handled !== tally.events) failures.push(`handled ${tally.handled} of ${tally.events}`);
  const note = [...notes, tally.inboxSkipped ? `inbox skipped ${tally.inboxSkipped} redeliveries` : 'no redeliveries', ...failures].join('; ');
  return {
    events: tally.events,
    delivered: tally.delivered,
    duplicates: tally.duplicates,
    handled: tally.handled,
    lost: tally.lost,
    recoveryMs,
    pass: failures.length === 0,
    note,
    failures,
  };
}

/** Time allowed for the system to recover and handle everything: generous, it only ends a stuck run. */
export const recoveryDeadlineMs = (events: number) => 180_000 + events * 15;

export const BOTH_BROKERS_ON_POSTGRES: readonly ScenarioRun[] = [
  { broker: 'rabbitmq', database: 'postgres' },
  { broker: 'kafka', database: 'postgres' },
];

export const randomBetween = (min: number, max: number) => min + Math.random() * (max - min);
