import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsString } from 'class-validator';
import {
  ConfigurationException,
  CqrsBrokerErrorCode,
  CqrsBrokerModule,
  EventConsumerModule,
  EventConsumerPipeline,
  EventSerializer,
  HandlesEvent,
  IntegrationEvent,
  IntegrationEventRegistry,
  InvalidOptionException,
  MalformedEventException,
  NotificationEvent,
  UnknownEventException,
  type EventConsumerModuleOptions,
  type EventHandler,
} from 'nestjs-cqrs-broker';

// One event name on two topics, as in python-cqrs's README: a class per topic.
class OrderPayload {
  @IsString() orderId!: string;
}
@IntegrationEvent({ name: 'order_created', topic: 'shop_orders', payload: OrderPayload })
class ShopOrderCreated extends NotificationEvent<OrderPayload> {}
@IntegrationEvent({ name: 'order_created', topic: 'warehouse_orders', payload: OrderPayload })
class WarehouseOrderCreated extends NotificationEvent<OrderPayload> {}

class JoinedPayload {
  @IsString() meetingId!: string;
  @IsString() userId!: string;
}
@IntegrationEvent({ name: 'user_joined_meeting', topic: 'meeting_notifications', payload: JoinedPayload })
class UserJoinedMeeting extends NotificationEvent<JoinedPayload> {}

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '..', 'fixtures', 'python-cqrs', `${name}.json`));
const body = (fields: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ event_id: '0b6f7d4e-6b2a-4d71-9a51-7c1f2f1e9a00', event_timestamp: '2026-11-29T21:50:08.854936', payload: { orderId: 'o-1' }, ...fields }));

describe('the integration-event registry resolves by (topic, name), then by name', () => {
  const registry = new IntegrationEventRegistry();
  registry.register(ShopOrderCreated);
  registry.register(WarehouseOrderCreated);
  registry.register(UserJoinedMeeting);

  it('holds one name on two topics, one class each', () => {
    expect(registry.get('order_created', 'shop_orders')?.type).toBe(ShopOrderCreated);
    expect(registry.get('order_created', 'warehouse_orders')?.type).toBe(WarehouseOrderCreated);
    expect(registry.topicsOf('order_created').sort()).toEqual(['shop_orders', 'warehouse_orders']);
    expect(registry.topics().sort()).toEqual(['meeting_notifications', 'shop_orders', 'warehouse_orders']);
  });

  it('falls back to the name when it is declared once, whatever the topic', () => {
    expect(registry.get('user_joined_meeting', 'some_other_topic')?.type).toBe(UserJoinedMeeting);
    expect(registry.get('user_joined_meeting')?.type).toBe(UserJoinedMeeting);
  });

  it('finds nothing for a name declared on several topics, none of them this one', () => {
    expect(registry.get('order_created', 'billing_orders')).toBeUndefined();
    expect(registry.get('order_created')).toBeUndefined();
  });

  it('refuses two classes for the same (topic, name) at startup', () => {
    @IntegrationEvent({ name: 'order_created', topic: 'shop_orders', payload: OrderPayload })
    class AnotherShopOrderCreated extends NotificationEvent<OrderPayload> {}
    expect(() => registry.register(AnotherShopOrderCreated)).toThrow(ConfigurationException);
    expect(() => registry.register(AnotherShopOrderCreated)).toThrow('Event name "order_created" on topic "shop_orders" is declared by two classes: ShopOrderCreated and AnotherShopOrderCreated.');
  });
});

describe('the serializer reads by topic, and gives the envelope the topic it was read from', () => {
  const registry = new IntegrationEventRegistry();
  registry.register(ShopOrderCreated);
  registry.register(WarehouseOrderCreated);
  registry.register(UserJoinedMeeting);
  const serializer = new EventSerializer(registry);

  it('builds the class of the body\'s topic', async () => {
    expect(await serializer.fromBody(body({ event_name: 'order_created', topic: 'warehouse_orders' }))).toBeInstanceOf(WarehouseOrderCreated);
    expect(await serializer.fromBody(body({ event_name: 'order_created', topic: 'shop_orders' }))).toBeInstanceOf(ShopOrderCreated);
  });

  it('looks a topicless 0.0.x envelope up by the topic it was read from, and gives the event that topic', async () => {
    const envelope = Buffer.from(
      JSON.stringify({ message_type: 'notification_event', message_name: 'NotificationEvent', message_id: 'a5c0e0a8-1f0e-4b8e-9a8e-0c3b1d2e4f50', payload: { event_id: 'a5c0e0a8-1f0e-4b8e-9a8e-0c3b1d2e4f50', event_timestamp: '2026-11-29T21:50:08.854936', event_name: 'order_created', payload: { orderId: 'o-9' } } }),
    );
    const event = await serializer.fromBody(envelope, {}, undefined, 'warehouse_orders');
    expect(event).toBeInstanceOf(WarehouseOrderCreated);
    expect(event.topic).toBe('warehouse_orders');
    // Without the topic it was read from, the name alone cannot tell which class.
    await expect(serializer.fromBody(envelope)).rejects.toThrow(UnknownEventException);
  });

  it('gives the 0.0.13 fixture the topic it was read from, not the contract\'s', async () => {
    const event = await serializer.fromBody(fixture('python-cqrs-0.0.13.envelope.notification'), {}, undefined, 'legacy_queue');
    expect(event).toBeInstanceOf(UserJoinedMeeting);
    expect(event.topic).toBe('legacy_queue');
    // Read with no topic at all (e.g. in a test), the contract's stands in.
    expect((await serializer.fromBody(fixture('python-cqrs-0.0.13.envelope.notification'))).topic).toBe('meeting_notifications');
  });

  it('throws UnknownEventException, a MalformedEventException with a code of its own, naming the name, the topic and the candidates', async () => {
    const error = (await serializer.fromBody(body({ event_name: 'order_created', topic: 'billing_orders' })).catch((e: unknown) => e)) as UnknownEventException;
    expect(error).toBeInstanceOf(UnknownEventException);
    expect(error).toBeInstanceOf(MalformedEventException);
    expect(error.code).toBe(CqrsBrokerErrorCode.UnknownEvent);
    expect(error.code).toBe('CQRS_BROKER_UNKNOWN_EVENT');
    expect([error.eventName, error.topic]).toEqual(['order_created', 'billing_orders']);
    expect(error.message).toBe(
      'Malformed event: unknown event name "order_created" on topic "billing_orders" (registered on topic(s) "shop_orders", "warehouse_orders" only, so the topic cannot tell which)',
    );
    const plain = (await serializer.fromBody(body({ event_name: 'room_booked', topic: 'rooms' })).catch((e: unknown) => e)) as UnknownEventException;
    expect(plain.message).toBe('Malformed event: unknown event name "room_booked" on topic "rooms"');
  });

  it('still reports a broken known event as malformed, not unknown', async () => {
    const error = await serializer.fromBody(body({ event_name: 'order_created', topic: 'shop_orders', payload: { orderId: 7 } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedEventException);
    expect(error).not.toBeInstanceOf(UnknownEventException);
  });
});

describe('a consumer\'s unknownEvents policy', () => {
  const handled: string[] = [];
  @Injectable()
  @HandlesEvent(UserJoinedMeeting)
  class JoinedHandler implements EventHandler<UserJoinedMeeting> {
    async handle(event: UserJoinedMeeting): Promise<void> {
      handled.push(event.payload.userId);
    }
  }

  const boot = async (consumer: Partial<EventConsumerModuleOptions> = {}): Promise<INestApplicationContext> => {
    @Module({
      imports: [CqrsBrokerModule.forRoot({ naiveTimestampZone: 'Asia/Tokyo' }), EventConsumerModule.forRoot({ name: 'policy-spec', retry: { maxAttempts: 1 }, ...consumer })],
      providers: [JoinedHandler],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    return app.init();
  };
  const unknown = { topic: 'meeting_notifications', body: body({ event_name: 'user_left_meeting', topic: 'meeting_notifications' }), headers: {} };
  const known = { topic: 'meeting_notifications', body: fixture('python-cqrs-4.10.3.pydantic.notification'), headers: {} };

  afterEach(() => vi.restoreAllMocks());

  it("skips by default: the outcome is 'skipped' (acknowledge), the count goes up, a debug line names the event, and the next message is handled", async () => {
    const debug = vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const app = await boot();
    try {
      const pipeline = app.get(EventConsumerPipeline);
      expect(pipeline.unknownEvents).toBe('skip');
      const before = handled.length;
      const outcome = await pipeline.consume(unknown);
      expect(outcome).toEqual({
        status: 'skipped',
        reason: 'Malformed event: unknown event name "user_left_meeting" on topic "meeting_notifications"',
        attempts: 0,
        eventName: 'user_left_meeting',
        eventId: undefined,
      });
      expect(pipeline.skippedCount).toBe(1);
      expect(debug.mock.calls.map(([line]) => String(line))).toContainEqual(expect.stringMatching(/^policy-spec: skipping a message from "meeting_notifications": unknown event name "user_left_meeting"/));
      expect((await pipeline.consume(known)).status).toBe('handled');
      expect(handled.slice(before)).toEqual(['u-1']);
      expect(pipeline.skippedCount).toBe(1);
    } finally {
      await app.close();
    }
  });

  it("dead-letters with 'dead-letter', at once and as malformed, counting nothing as skipped", async () => {
    const app = await boot({ unknownEvents: 'dead-letter' });
    try {
      const pipeline = app.get(EventConsumerPipeline);
      const outcome = await pipeline.consume(unknown);
      expect(outcome).toMatchObject({ status: 'dead-letter', attempts: 1, malformed: true, reason: expect.stringMatching(/unknown event name "user_left_meeting"/) });
      expect(pipeline.skippedCount).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('never skips a broken message of a known event', async () => {
    const app = await boot();
    try {
      const broken = { ...known, body: body({ event_name: 'user_joined_meeting', topic: 'meeting_notifications', payload: { meetingId: 'm' } }) };
      expect((await app.get(EventConsumerPipeline).consume(broken)).status).toBe('dead-letter');
    } finally {
      await app.close();
    }
  });

  it('logs the naive-timestamp zone and the policy once at startup', async () => {
    const log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const app = await boot({ unknownEvents: 'dead-letter' });
    await app.close();
    expect(log.mock.calls.map(([line]) => String(line))).toContainEqual(
      "policy-spec: event timestamps without a zone are read as Asia/Tokyo (naiveTimestampZone); events no class is registered for are dead-lettered (unknownEvents: 'dead-letter')",
    );
  });

  it('refuses an unknown policy at startup', async () => {
    await expect(boot({ unknownEvents: 'drop' as never })).rejects.toThrow(InvalidOptionException);
    await expect(boot({ unknownEvents: 'drop' as never })).rejects.toThrow("unknownEvents must be 'skip' or 'dead-letter', got drop");
  });
});
