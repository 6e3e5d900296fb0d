// `npm run test:faults`: every scenario, for each broker and database it
// lists, one at a time. Each records a row of the table the global teardown
// prints (docs/faults.md explains the scenarios and the counts).
import { eventCount, runDir } from './support/paths.js';
import { recordResult } from './support/report.js';
import type { Scenario } from './scenarios/scenario.js';
import { brokerOutage } from './scenarios/broker-outage.scenario.js';
import { consumerKill } from './scenarios/consumer-kill.scenario.js';
import { databaseKill } from './scenarios/database-kill.scenario.js';
import { invalidHttp } from './scenarios/invalid-http.scenario.js';
import { malformed } from './scenarios/malformed.scenario.js';
import { poison } from './scenarios/poison.scenario.js';
import { relayKill, relayKillLocked } from './scenarios/relay-kill.scenario.js';
import { secrets } from './scenarios/secrets.scenario.js';
import { sigterm } from './scenarios/sigterm.scenario.js';
import { threeRelays } from './scenarios/three-relays.scenario.js';
import { sagaKill } from './scenarios/saga-kill.scenario.js';
import { cdcBrokerOutage, cdcFailover, cdcRelayKill, cdcWalsenderCut } from './scenarios/cdc.scenario.js';
import { consumerDatabaseOutage10s, consumerDatabaseOutage60s } from './scenarios/consumer-database-outage.scenario.js';
import { crashLoop } from './scenarios/crash-loop.scenario.js';
import { deadLetterReplay } from './scenarios/dead-letter-replay.scenario.js';

// In the order; the secrets check last, over every log the others left.
// The logical-replication relay's rows (C1–C4) after the table relay's, then the consumer's
// outages, crash loop and dead-letter replay (issue 11).
const scenarios: Scenario[] = [
  relayKill,
  consumerKill,
  brokerOutage,
  databaseKill,
  threeRelays,
  poison,
  malformed,
  invalidHttp,
  sigterm,
  cdcRelayKill,
  cdcFailover,
  cdcWalsenderCut,
  cdcBrokerOutage,
  consumerDatabaseOutage10s,
  consumerDatabaseOutage60s,
  crashLoop,
  deadLetterReplay,
  sagaKill,
  secrets,
  // Appended (not next to relayKill) so FAULTS_ONE_RUN keeps picking the same run of every scenario above.
  relayKillLocked,
];

const only = process.env.FAULTS_ONLY ? new RegExp(process.env.FAULTS_ONLY, 'i') : undefined;
const brokers = (process.env.FAULTS_BROKERS ?? 'rabbitmq,kafka').split(',');
// FAULTS_ONE_RUN=1 (CI): one run per scenario instead of every broker × database it lists, taken in
// turn (scenario i runs its run i mod n), so the selection still covers both brokers and both
// databases; `npm run test:faults` without it runs the whole matrix.
const oneRun = process.env.FAULTS_ONE_RUN === '1';

describe('fault injection', () => {
  for (const [index, scenario] of scenarios.entries()) {
    for (const [runIndex, run] of scenario.runs.entries()) {
      const title = `${scenario.name} · ${run.broker} · ${run.database}`;
      const inTurn = !oneRun || runIndex === index % scenario.runs.length;
      const selected = inTurn && (!only || only.test(title)) && (run.broker === 'n/a' || brokers.includes(run.broker));
      it.runIf(selected)(title, async () => {
        const started = Date.now();
        const log = (message: string) => console.log(`[${scenario.slug} ${run.broker} ${run.database}] ${message}`);
        const outcome = await scenario.run.call(scenario, { ...run, events: eventCount(), log });
        const { failures, ...row } = outcome;
        const wallMs = Date.now() - started;
        recordResult(runDir(), { scenario: scenario.name, broker: run.broker, database: run.database, ...row, wallMs });
        log(`${outcome.pass ? 'pass' : 'FAIL'} in ${(wallMs / 1000).toFixed(1)} s: ${row.note}`);
        expect(failures).toEqual([]);
      });
    }
  }
});
