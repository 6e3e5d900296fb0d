// Our Kafka consumer beside Nest's own ServerKafka in one hybrid app (the shared Kafka, topics and groups of this file):
// each server's handler map holds only its own patterns, both receive their messages, and the guards and interceptors
// bound with @UseGuards / @UseInterceptors on an event handler class run for events from the bus.
import { Controller, Injectable, Module, UseGuards, UseInterceptors, type CallHandler, type CanActivate, type ExecutionContext, type INestApplication, type NestInterceptor } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, ServerKafka, Transport } from '@nestjs/microservices';
import { tap } from 'rxjs';
import {
  CQRS_BROKER_TRANSPORT,
  CqrsBrokerModule,
  EVENT_HANDLER_CONTEXT_TYPE,
  EventConsumerModule,
  EventSerializer,
  HandlesEvent,
  IntegrationEventRegistry,
  type EventHandler,
} from 'nestjs-cqrs-broker';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { rawKafka, readKafkaTopic } from './support/kafka-raw.js';
import { eventually, KAFKA_BROKERS, requireKafka, unique } from './support/services.js';
import { ProbeEvent, probeEvent } from './support/test-events.js';

const ourTopic = unique('hybrid-ours');
const nestTopic = unique('hybrid-nest');
/** Everything the guard, the interceptor and the handlers saw, in order. */
const calls: string[] = [];
const nestReceived: unknown[] = [];

@Injectable()
class RecordingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const [event] = context.getArgs<[ProbeEvent]>();
    calls.push(`guard ${context.getType()} ${context.getClass().name}.${context.getHandler().name} ${event.payload.seq}`);
    return event.payload.key !== 'deny';
  }
}

@Injectable()
class RecordingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    const seq = context.getArgs<[ProbeEvent]>()[0].payload.seq;
    calls.push(`before ${seq}`);
    return next.handle().pipe(tap(() => calls.push(`after ${seq}`)));
  }
}

@HandlesEvent(ProbeEvent)
@UseGuards(RecordingGuard)
@UseInterceptors(RecordingInterceptor)
@Injectable()
class GuardedProbeHandler implements EventHandler<ProbeEvent> {
  async handle(event: ProbeEvent): Promise<void> {
    calls.push(`handle ${event.payload.seq}`);
  }
}

/** A user's controller for Nest's own Kafka transport, as any hybrid app has. */
@Controller()
class NestKafkaController {
  @EventPattern(nestTopic, Transport.KAFKA)
  received(@Payload() data: unknown): void {
    nestReceived.push(data);
  }
}

describe("our consumer beside Nest's ServerKafka in one hybrid app", () => {
  const client = { brokers: KAFKA_BROKERS, clientId: 'hybrid-spec' };
  let app: INestApplication;
  let nestServer: ServerKafka;
  let ourServer: KafkaEventConsumer;
  let broker: KafkaMessageBroker;

  beforeAll(async () => {
    await requireKafka();
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [ourTopic, nestTopic].map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
    await admin.disconnect();

    @Module({
      imports: [CqrsBrokerModule.forRoot({}), EventConsumerModule.forRoot({ name: 'hybrid-spec', retry: { maxAttempts: 1 } })],
      controllers: [NestKafkaController],
      providers: [GuardedProbeHandler],
    })
    class HybridAppModule {}
    app = await NestFactory.create(HybridAppModule, { logger: ['error', 'warn'] });
    nestServer = new ServerKafka({ client: { ...client, clientId: 'hybrid-spec-nest' }, consumer: { groupId: unique('hybrid-nest-group') }, subscribe: { fromBeginning: true } });
    ourServer = new KafkaEventConsumer({ client, groupId: unique('hybrid-ours-group'), topics: [ourTopic] });
    app.connectMicroservice({ strategy: nestServer });
    app.connectMicroservice({ strategy: ourServer });
    await app.startAllMicroservices();
    await app.init();
    broker = new KafkaMessageBroker({ client });
  }, 180_000);

  afterAll(async () => {
    await broker?.close();
    await app?.close();
  });

  it("gives each server only its own patterns: none of ours (cqrs-broker.*) in ServerKafka's map, none of Nest's transport in ours", () => {
    expect(ourServer.transportId).toBe(CQRS_BROKER_TRANSPORT);
    expect(nestServer.transportId).toBe(Transport.KAFKA);
    expect([...nestServer.getHandlers().keys()]).toEqual([nestTopic]);
    expect([...ourServer.getHandlers().keys()].sort()).toEqual(['cqrs-broker.consume-event', 'cqrs-broker.consumer-setup']);
  });

  it('delivers to both servers, and runs the guard and the interceptor bound on the event handler class around it for events from the bus; a denying guard keeps the handler from running', async () => {
    const serializer = new EventSerializer(new IntegrationEventRegistry());
    await broker.publish([
      serializer.toMessage(probeEvent(ourTopic, { key: 'deny', seq: 1 })),
      serializer.toMessage(probeEvent(ourTopic, { key: 'room-1', seq: 2 })),
    ]);
    const producer = rawKafka().producer();
    await producer.connect();
    await producer.send({ topic: nestTopic, messages: [{ value: JSON.stringify({ hello: 'nest' }) }] });
    await producer.disconnect();

    await eventually(() => calls.includes('after 2'), `the handler of event 2 ran (calls: ${calls.join(', ')})`, 90_000);
    await eventually(() => nestReceived.length === 1, "Nest's ServerKafka handler received its message", 90_000);
    expect(nestReceived).toEqual([{ hello: 'nest' }]);
    expect(calls).toEqual([
      `guard ${EVENT_HANDLER_CONTEXT_TYPE} GuardedProbeHandler.handle 1`,
      `guard ${EVENT_HANDLER_CONTEXT_TYPE} GuardedProbeHandler.handle 2`,
      'before 2',
      'handle 2',
      'after 2',
    ]);
    // The denied event failed (ForbiddenException) and, with one attempt, was dead-lettered.
    const [dead] = await readKafkaTopic(`${ourTopic}.DLT`, 1);
    expect(JSON.parse(dead.value!.toString()).payload.seq).toBe(1);
    expect(dead.headerText('x-dead-letter-reason')).toMatch(/Forbidden/);
  }, 200_000);
});
