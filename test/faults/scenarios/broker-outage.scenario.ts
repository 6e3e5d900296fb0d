import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaScript, rabbitmqctl } from '../support/services.js';
import { Stack } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, recoveryDeadlineMs, type Scenario } from './scenario.js';

const OUTAGE_MS = 10_000;

/**
 * 3. The broker is unavailable for about 10 s mid-stream. RabbitMQ (shared,
 * so never stop_app): the scenario's user loses its permissions on the
 * scenario's virtual host and all its connections are closed, so every
 * reconnect is refused for 10 s. Kafka: our own broker is stopped and
 * started again with its data.
 */
export const brokerOutage: Scenario = {
  name: '3 broker down ~10 s',
  slug: 'brokerdown',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false });
    try {
      const events = Stack.events(count, 'bd');
      const producing = stack.insert(events, { chunk: 100, perSecond: Math.max(count / 20, 100) });
      while ((await stack.handledCount()) < count * 0.2) await sleep(100);
      const fault = Date.now();
      let downMs: number;
      if (broker === 'rabbitmq') {
        const vhost = stack.services.vhost!;
        const user = new URL(stack.services.brokerUrl).username;
        await rabbitmqctl('clear_permissions', '-p', vhost, user);
        await rabbitmqctl('close_all_connections', '--vhost', vhost, 'fault injection: broker unavailable');
        log(`RabbitMQ vhost unavailable at ${await stack.handledCount()} handled`);
        await sleep(OUTAGE_MS);
        await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
        downMs = Date.now() - fault;
      } else {
        await kafkaScript('stop');
        log(`Kafka stopped at ${await stack.handledCount()} handled`);
        const stoppedFor = Date.now() - fault;
        if (stoppedFor < OUTAGE_MS / 2) await sleep(OUTAGE_MS / 2 - stoppedFor);
        await kafkaScript('start', { KAFKA_KEEP_DATA: '1' });
        downMs = Date.now() - fault;
      }
      log(`broker back after ${(downMs / 1000).toFixed(1)} s`);
      await producing;
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const state = await stack.outboxState();
      const extra = state.dead ? [`${state.dead} outbox rows went dead during the outage`] : [];
      return judge(tally, done ? done - fault : null, [`broker unavailable ${(downMs / 1000).toFixed(1)} s`, `outbox: ${state.published} published, ${state.dead} dead`], extra);
    } finally {
      await stack.stop();
    }
  },
};
