import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EventSerializer, IntegrationEventRegistry } from 'nestjs-cqrs-broker';
import { KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { readKafkaTopic } from './support/kafka-raw.js';
import { unique } from './support/services.js';
import { probeEvent } from './support/test-events.js';

const run = promisify(execFile);
const kafkaScript = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
const serializer = new EventSerializer(new IntegrationEventRegistry());

// A Kafka broker of its own (another port), so stopping it leaves the other test files' broker alone.
const port = 20_000 + Math.floor(Math.random() * 5_000) * 2;
const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) };
const kafka = async (command: 'start' | 'stop', extraEnv: Record<string, string> = {}) => {
  try {
    await run(kafkaScript, [command], { env: { ...env, ...extraEnv } });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`scripts/kafka.sh ${command} on port ${port} failed: ${stderr || stdout || (error as Error).message}`);
  }
};

describe('Kafka across a broker restart', () => {
  const brokers = [`127.0.0.1:${port}`];

  beforeAll(async () => {
    await kafka('start');
  }, 180_000);

  afterAll(async () => {
    await kafka('stop').catch(() => undefined);
  }, 60_000);

  it('recovers publishing: a publish while the broker is down rejects within the bound, and a publish after it is back succeeds', { timeout: 240_000 }, async () => {
    const topic = unique('kafka-outage');
    const broker = new KafkaMessageBroker({ client: { brokers, retry: { retries: 2, initialRetryTime: 200 } }, publishTimeoutMs: 8_000 });
    try {
      const before = serializer.toMessage(probeEvent(topic, { key: 'k', seq: 0 }));
      await broker.publish([before]);

      await kafka('stop');
      const during = serializer.toMessage(probeEvent(topic, { key: 'k', seq: 1 }));
      await expect(broker.publish([during])).rejects.toThrow();

      await kafka('start', { KAFKA_KEEP_DATA: '1' });
      const after = serializer.toMessage(probeEvent(topic, { key: 'k', seq: 2 }));
      await broker.publish([after]);

      const read = await readKafkaTopic(topic, 2, brokers);
      const ids = read.map((message) => JSON.parse(message.value!.toString()).event_id);
      expect(ids).toContain(before.eventId);
      expect(ids).toContain(after.eventId);
    } finally {
      await broker.close();
    }
  });
});
