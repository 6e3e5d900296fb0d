import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigurationException, CqrsBrokerModule, EventSerializer, IntegrationEvent, NotificationEvent, protobufCodec } from 'nestjs-cqrs-broker';

// This file's module graph has no protobufjs: as in an app that did not install the optional peer.
vi.mock('protobufjs', () => {
  throw new Error("Cannot find package 'protobufjs'");
});

@IntegrationEvent({
  name: 'user_joined',
  topic: 'user_notification_events',
  codec: protobufCodec({ protoSource: 'syntax = "proto3"; message P { string user_id = 1; }', messageType: 'P' }),
})
class UserJoined extends NotificationEvent<{ user_id: string }> {}

@IntegrationEvent({ name: 'room_closed', topic: 'rooms' })
class RoomClosed extends NotificationEvent<{ room_id: number }> {}

async function boot(integrationEvents: Array<typeof NotificationEvent<any>>) {
  @Module({ imports: [CqrsBrokerModule.forRoot({ integrationEvents })] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  return app.init();
}

describe('protobufjs, the optional peer package of the protobuf codec', () => {
  it('is not needed while no protobuf event is registered: JSON events go out as before', async () => {
    const app = await boot([RoomClosed]);
    try {
      const message = app.get(EventSerializer).toMessage(new RoomClosed({ payload: { room_id: 7 } }));
      expect(message.headers['content-type']).toBe('application/json');
    } finally {
      await app.close();
    }
  });

  it('missing while a protobuf event is registered: startup fails with one line naming the package and the event class', async () => {
    const error = await boot([RoomClosed, UserJoined]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(ConfigurationException);
    expect(error!.message).toBe('The protobuf codec of UserJoined needs the package protobufjs: npm install protobufjs');
    expect(error!.cause).toBeInstanceOf(Error); // the import's own failure, kept
  });
});
