// Prints the Kafka consumer recovery time after a SIGKILL, with kafkajs's former 30 s session timeout and with the
// consumer's default (KAFKA_CONSUMER_DEFAULTS). Needs Kafka on KAFKA_BROKERS (default 127.0.0.1:9092).
// Run: node --import ./test/brokers/support/child/register.mjs test/brokers/support/child/measure-kafka-recovery.ts [runs]
import { measureKafkaRecovery } from '../kafka-recovery.js';

const runs = Number(process.argv[2] ?? 3);
for (const [label, sessionTimeoutMs] of [['sessionTimeout 30 s (kafkajs default, before)', 30_000], ['consumer default (after)', undefined]] as const) {
  const times: number[] = [];
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  for (let i = 0; i < runs; i++) {
    const { recoveryMs, replacementReadyMs } = await measureKafkaRecovery({ sessionTimeoutMs });
    times.push(recoveryMs);
    process.stdout.write(`${label}: run ${i + 1}: recovered in ${seconds(recoveryMs)} (replacement started and joined the group after ${seconds(replacementReadyMs)})\n`);
  }
  process.stdout.write(`${label}: median ${seconds(times.sort((a, b) => a - b)[Math.floor(times.length / 2)])}\n`);
}
process.exit(0);
