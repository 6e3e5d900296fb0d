// After a Kafka consumer dies without leaving its group (SIGKILL), a replacement started in the same group gets the
// partitions and handles new messages. How long that takes is measured, not asserted (test/brokers/support/child/
// measure-kafka-recovery.ts prints it before/after); the bound here only ends a stuck run.
import { measureKafkaRecovery } from './support/kafka-recovery.js';
import { requireKafka } from './support/services.js';

describe('a Kafka consumer group after one member is SIGKILLed', () => {
  beforeAll(() => requireKafka());

  it('hands the partitions to a replacement, which handles a message published after the kill', { timeout: 180_000 }, async () => {
    const { recoveryMs, replacementReadyMs } = await measureKafkaRecovery();
    console.info(`Kafka consumer recovery after SIGKILL: ${(recoveryMs / 1000).toFixed(1)} s (replacement started and joined after ${(replacementReadyMs / 1000).toFixed(1)} s; session timeout 10 s)`);
    expect(recoveryMs).toBeGreaterThanOrEqual(replacementReadyMs);
  });
});
