// Events, payloads and handlers shared by the broker tests. Topics are passed per test file (unique), so classes can be static.
import { Inject, Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy, MicroserviceOptions } from '@nestjs/microservices';
import { IsBoolean, IsInt, IsOptional, IsString } from 'class-validator';
import {
  CqrsBrokerModule,
  ECSTEvent,
  EventConsumerModule,
  HandlesEvent,
  IntegrationEvent,
  type EventConsumerModuleOptions,
  type EventHandler,
  type RetryPolicy,
} from 'nestjs-cqrs-broker';
import type { INestMicroservice } from '@nestjs/common';

export class ProbePayload {
  @IsString() key!: string;
  @IsInt() seq!: number;
  /** The handler throws on every attempt. */
  @IsOptional() @IsBoolean() fail?: boolean;
  /** The handler throws on attempts before this one. */
  @IsOptional() @IsInt() failUntilAttempt?: number;
  /** The handler waits for the probe's gate. */
  @IsOptional() @IsBoolean() block?: boolean;
}

/** Its topic is given per publish: tests use topics of their own. */
@IntegrationEvent({ name: 'broker_test_probe', topic: 'unused', payload: ProbePayload })
export class ProbeEvent extends ECSTEvent<ProbePayload> {}

export function probeEvent(topic: string, payload: ProbePayload, extra: { eventId?: string; headers?: Record<string, string> } = {}): ProbeEvent {
  return new ProbeEvent({ topic, key: payload.key, payload, ...extra });
}

export interface Handled {
  readonly eventId: string;
  readonly key: string;
  readonly seq: number;
  readonly attempt: number;
}

/** What the probe handler saw, and how the test steers it. */
export class Probe {
  readonly attempts: Handled[] = [];
  readonly handled: Handled[] = [];
  /** Attempts per event id (a map: benchmarks push tens of thousands of events through the probe). */
  readonly attemptsByEvent = new Map<string, number>();
  gate?: Promise<void>;
  /** Called inside the handler after the failure checks, e.g. to use the inbox. */
  work?: (event: ProbeEvent) => Promise<void>;
  handledSeqs(key?: string): number[] {
    return this.handled.filter((h) => key === undefined || h.key === key).map((h) => h.seq);
  }
}

export const PROBE = Symbol('probe');

@HandlesEvent(ProbeEvent)
@Injectable()
export class ProbeHandler implements EventHandler<ProbeEvent> {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  async handle(event: ProbeEvent): Promise<void> {
    const attempt = (this.probe.attemptsByEvent.get(event.eventId) ?? 0) + 1;
    this.probe.attemptsByEvent.set(event.eventId, attempt);
    const record = { eventId: event.eventId, key: event.payload.key, seq: event.payload.seq, attempt };
    this.probe.attempts.push(record);
    if (event.payload.fail) throw new Error(`probe ${event.payload.seq} always fails`);
    if (event.payload.failUntilAttempt && attempt < event.payload.failUntilAttempt) throw new Error(`probe ${event.payload.seq} fails on attempt ${attempt}`);
    if (event.payload.block) await this.probe.gate;
    await this.probe.work?.(event);
    this.probe.handled.push(record);
  }
}

/** Boots a Nest microservice whose transport is `strategy`, with the probe handler. */
export async function startConsumer(
  strategy: CustomStrategy['strategy'],
  probe: Probe,
  options: { name: string; retry?: Partial<RetryPolicy>; imports?: Type<unknown>[] | any[]; providers?: any[]; consumer?: Omit<EventConsumerModuleOptions, 'name' | 'retry'> },
): Promise<INestMicroservice> {
  @Module({
    imports: [
      CqrsBrokerModule.forRoot({}),
      EventConsumerModule.forRoot({ name: options.name, retry: options.retry, ...options.consumer }),
      ...(options.imports ?? []),
    ],
    providers: [ProbeHandler, { provide: PROBE, useValue: probe }, ...(options.providers ?? [])],
  })
  class ConsumerAppModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(ConsumerAppModule, { strategy, logger: ['error'] });
  await app.listen();
  return app;
}
