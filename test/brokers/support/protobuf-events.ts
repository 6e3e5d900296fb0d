// A protobuf event for the broker round-trip tests, and the layout python-cqrs's protobuf example uses, to read raw bodies with.
import { Inject, Injectable } from '@nestjs/common';
import { IsInt, IsString } from 'class-validator';
import protobuf from 'protobufjs';
import { EventSerializer, HandlesEvent, IntegrationEvent, IntegrationEventRegistry, NotificationEvent, protobufCodec, wireInfoOf, type EventHandler } from 'nestjs-cqrs-broker';
import { ProbeEvent } from './test-events.js';

const PROTO = `
syntax = "proto3";
package broker_test;
message ProtoProbePayload {
  string key = 1;
  int32 seq = 2;
  int64 big = 3;
}
`;

export class ProtoProbePayload {
  @IsString() key!: string;
  @IsInt() seq!: number;
  /** An int64: read as a decimal string. */
  @IsString() big!: string;
}

/** Its topic is given per publish: tests use topics of their own. */
@IntegrationEvent({
  name: 'broker_test_proto_probe',
  topic: 'unused',
  payload: ProtoProbePayload,
  codec: protobufCodec({ protoSource: PROTO, messageType: 'broker_test.ProtoProbePayload' }),
})
export class ProtoProbeEvent extends NotificationEvent<ProtoProbePayload> {}

export function protoProbeEvent(topic: string, payload: ProtoProbePayload): ProtoProbeEvent {
  return new ProtoProbeEvent({ topic, key: payload.key, payload });
}

/** The events the handler received, with the content type each was read with. */
export class ProtoProbe {
  readonly received: Array<{ event: ProtoProbeEvent; contentType?: string }> = [];
}

export const PROTO_PROBE = Symbol('proto-probe');

@HandlesEvent(ProtoProbeEvent)
@Injectable()
export class ProtoProbeHandler implements EventHandler<ProtoProbeEvent> {
  constructor(@Inject(PROTO_PROBE) private readonly probe: ProtoProbe) {}

  async handle(event: ProtoProbeEvent): Promise<void> {
    this.probe.received.push({ event, contentType: wireInfoOf(event)?.contentType });
  }
}

/** A publisher's serializer knowing the JSON probe and the protobuf probe, its codecs prepared. */
export async function protobufSerializer(): Promise<EventSerializer> {
  const registry = new IntegrationEventRegistry();
  registry.register(ProbeEvent);
  registry.register(ProtoProbeEvent);
  const serializer = new EventSerializer(registry);
  await serializer.prepare();
  return serializer;
}

/** python-cqrs's protobuf example layout (event_id 1, event_timestamp 2, event_name 3, payload 6), for this payload. */
const pythonLayout = protobuf.parse(
  `syntax = "proto3";
   message ProbeNotification {
     message Payload { string key = 1; int32 seq = 2; int64 big = 3; }
     string event_id = 1;
     string event_timestamp = 2;
     string event_name = 3;
     Payload payload = 6;
   }`,
  { keepCase: true },
).root.lookupType('ProbeNotification');

/** A body as a python-cqrs 5.x service following its example layout writes it: no topic, a naive local timestamp. */
export function writeAsPythonCqrsLayout(fields: { event_id: string; event_timestamp: string; event_name: string; payload: Record<string, unknown> }): Buffer {
  return Buffer.from(pythonLayout.encode(pythonLayout.fromObject(fields)).finish());
}

/** A raw body read with python-cqrs's example layout. */
export function readAsPythonCqrsLayout(body: Buffer): Record<string, unknown> {
  return pythonLayout.toObject(pythonLayout.decode(body), { longs: String });
}
