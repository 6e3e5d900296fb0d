import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CqrsBrokerModule,
  currentConsumerContext,
  EventConsumerModule,
  EventEmitter,
  InMemoryEventConsumer,
  InMemoryMessageBroker,
  type BrokerMessage,
} from 'nestjs-cqrs-broker';
import { Probe, PROBE, ProbeHandler, probeEvent } from './support/test-events.js';

async function boot(probe: Probe, broker = new InMemoryMessageBroker(), maxMessageBytes?: number) {
  @Module({
    imports: [
      CqrsBrokerModule.forRoot({ broker }),
      EventConsumerModule.forRoot({ name: 'in-memory-spec', retry: { maxAttempts: 2, initialDelayMs: 1 }, maxMessageBytes }),
    ],
    providers: [ProbeHandler, { provide: PROBE, useValue: probe }],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestMicroservice({ strategy: new InMemoryEventConsumer({ topics: ['probes'] }) });
  await app.listen();
  return { app, broker };
}

describe('InMemoryEventConsumer', () => {
  it('feeds events published to the in-memory broker to the handlers, with the consumer context set', async () => {
    const probe = new Probe();
    const contexts: Array<string | undefined> = [];
    probe.work = async () => void contexts.push(currentConsumerContext()?.consumerName);
    const { app, broker } = await boot(probe);
    await app.get(EventEmitter).emit([probeEvent('probes', { key: 'k', seq: 1 }), probeEvent('probes', { key: 'k', seq: 2 })]);
    await broker.drain();
    expect(probe.handledSeqs()).toEqual([1, 2]);
    expect(contexts).toEqual(['in-memory-spec', 'in-memory-spec']);
    await app.close();
  });

  it('retries a failing handler as configured, then publishes the message to <topic>.DLT with reason and attempts', async () => {
    const probe = new Probe();
    const { app, broker } = await boot(probe);
    const deadLetters: BrokerMessage[] = [];
    broker.subscribe('probes.DLT', (message) => void deadLetters.push(message));
    const bad = probeEvent('probes', { key: 'k', seq: 1, fail: true });
    await app.get(EventEmitter).emit([bad, probeEvent('probes', { key: 'k', seq: 2 })]);
    await broker.drain();
    await broker.drain();
    expect(probe.attempts.filter((a) => a.seq === 1)).toHaveLength(2);
    expect(probe.handledSeqs()).toEqual([2]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].eventId).toBe(bad.eventId);
    expect(deadLetters[0].headers).toMatchObject({ 'x-delivery-attempts': '2', 'x-dead-letter-reason': expect.stringMatching(/always fails/), 'x-original-topic': 'probes' });
    await app.close();
  });

  it('dead-letters a message larger than maxMessageBytes at once, unparsed and with its size in the reason, and goes on', async () => {
    const probe = new Probe();
    const { app, broker } = await boot(probe, new InMemoryMessageBroker(), 2_000);
    const deadLetters: BrokerMessage[] = [];
    broker.subscribe('probes.DLT', (message) => void deadLetters.push(message));
    const big: BrokerMessage = { topic: 'probes', eventId: 'big-1', eventName: 'probe', body: Buffer.alloc(3_000, 'x'), headers: { 'event-id': 'big-1' } };
    await broker.publish([big]);
    await app.get(EventEmitter).emit([probeEvent('probes', { key: 'k', seq: 2 })]);
    await broker.drain();
    await broker.drain();
    expect(probe.handledSeqs()).toEqual([2]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].headers).toMatchObject({ 'x-delivery-attempts': '1', 'x-dead-letter-reason': 'Malformed event: message of 3000 bytes is larger than maxMessageBytes (2000)' });
    await app.close();
  });

  it('refuses to start in memory when the configured broker is not the in-memory one', async () => {
    const notInMemory = { publish: async () => undefined };
    await expect(boot(new Probe(), notInMemory as unknown as InMemoryMessageBroker)).rejects.toThrow(/needs an InMemoryMessageBroker/);
  });
});
