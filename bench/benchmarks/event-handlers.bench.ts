import { Injectable, Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsBrokerModule, DomainEvent, EventEmitter, EventMap, type EventHandler } from 'nestjs-cqrs-broker';
import type { Benchmark } from '../harness/benchmark.js';
import { ratioResult } from '../harness/result.js';

const HANDLERS = 10;
const IO_MS = 1;
const GOAL_RATIO = 0.25;

class SeatBooked extends DomainEvent {}

/** Handler calls completed, to check that every side ran every handler. */
let completed = 0;

const io = () => new Promise<void>((resolve) => setTimeout(resolve, IO_MS));

/** `HANDLERS` distinct handler classes of SeatBooked, each awaiting `work` (1 ms of "I/O", or a resolved promise). */
function handlers(work: () => Promise<void>, label: string): Type<EventHandler<SeatBooked>>[] {
  return Array.from({ length: HANDLERS }, (_, i) => {
    @Injectable()
    class Handler implements EventHandler<SeatBooked> {
      async handle(): Promise<void> {
        await work();
        completed++;
      }
    }
    Object.defineProperty(Handler, 'name', { value: `${label}Handler${i}` });
    return Handler;
  });
}

function appModule(handlerTypes: Type<EventHandler<SeatBooked>>[], eventHandlerConcurrency: number): Type<object> {
  const events = new EventMap();
  for (const handlerType of handlerTypes) events.bind(SeatBooked, handlerType);
  @Module({ imports: [CqrsBrokerModule.forRoot({ events, eventHandlerConcurrency })], providers: handlerTypes })
  class AppModule {}
  return AppModule;
}

const SEQUENTIAL_IO = `sequential, ${HANDLERS} handlers × ${IO_MS} ms I/O`;
const CONCURRENT_IO = `concurrent (limit ${HANDLERS}), ${HANDLERS} handlers × ${IO_MS} ms I/O`;
const SEQUENTIAL_NO_IO = `sequential, ${HANDLERS} handlers, no I/O`;
const CONCURRENT_NO_IO = `concurrent (limit ${HANDLERS}), ${HANDLERS} handlers, no I/O`;
const NO_IO_FACTOR = 200;

let apps: INestApplicationContext[] = [];
let sequentialIo: EventEmitter;
let concurrentIo: EventEmitter;
let sequentialNoIo: EventEmitter;
let concurrentNoIo: EventEmitter;

function check(side: string, before: number, ops: number): void {
  const ran = completed - before;
  if (ran !== ops * HANDLERS) throw new Error(`${side}: ${ran} handler calls, expected ${ops * HANDLERS}`);
}

// The loops are written out per side on purpose (see bench/README.md).
export const eventHandlersBenchmark: Benchmark = {
  name: 'event-handlers',
  description:
    `EventEmitter.emit of one domain event to ${HANDLERS} handlers that each await ${IO_MS} ms (a timer standing in for I/O): ` +
    `eventHandlerConcurrency 1 (the default, one after the other) vs ${HANDLERS} (all at once). For reference, the same with handlers ` +
    'that await nothing, to show what the concurrent scheduler itself costs.',
  packages: ['nestjs-cqrs-broker', '@nestjs/core'],
  size: { rounds: 11, opsPerRound: 40, warmupRounds: 2 },
  quickSize: { rounds: 5, opsPerRound: 10, warmupRounds: 1 },
  unit: { label: 'µs/emit', ns: 1e3 },
  sides: [
    {
      name: SEQUENTIAL_IO,
      async run(ops) {
        const before = completed;
        for (let i = 0; i < ops; i++) await sequentialIo.emit([new SeatBooked()]);
        check(SEQUENTIAL_IO, before, ops);
      },
    },
    {
      name: CONCURRENT_IO,
      async run(ops) {
        const before = completed;
        for (let i = 0; i < ops; i++) await concurrentIo.emit([new SeatBooked()]);
        check(CONCURRENT_IO, before, ops);
      },
    },
    {
      name: SEQUENTIAL_NO_IO,
      note: `for reference: ${NO_IO_FACTOR}× the ops of the I/O sides; handlers that only await a resolved promise.`,
      opsFactor: NO_IO_FACTOR,
      async run(ops) {
        const before = completed;
        for (let i = 0; i < ops; i++) await sequentialNoIo.emit([new SeatBooked()]);
        check(SEQUENTIAL_NO_IO, before, ops);
      },
    },
    {
      name: CONCURRENT_NO_IO,
      note: `for reference: ${NO_IO_FACTOR}× the ops of the I/O sides; handlers that only await a resolved promise.`,
      opsFactor: NO_IO_FACTOR,
      async run(ops) {
        const before = completed;
        for (let i = 0; i < ops; i++) await concurrentNoIo.emit([new SeatBooked()]);
        check(CONCURRENT_NO_IO, before, ops);
      },
    },
  ],
  ratios: [
    { numerator: CONCURRENT_IO, denominator: SEQUENTIAL_IO },
    { numerator: CONCURRENT_NO_IO, denominator: SEQUENTIAL_NO_IO },
  ],
  goal: `With ${HANDLERS} handlers × ${IO_MS} ms of awaited I/O, a concurrent emit takes at most ${GOAL_RATIO}× the time of a sequential one.`,
  evaluateGoal(result) {
    const ratio = ratioResult(result, CONCURRENT_IO, SEQUENTIAL_IO);
    return {
      met: ratio.ofMedians <= GOAL_RATIO,
      detail: `concurrent / sequential = ${ratio.ofMedians.toFixed(2)}× (ratio of medians; median per-round ratio ${ratio.perRound.median.toFixed(2)}×), target ≤ ${GOAL_RATIO}×.`,
    };
  },
  async setup() {
    const boot = (module: Type<object>) => NestFactory.createApplicationContext(module, { logger: false });
    const noIo = () => Promise.resolve();
    apps = [
      await boot(appModule(handlers(io, 'SequentialIo'), 1)),
      await boot(appModule(handlers(io, 'ConcurrentIo'), HANDLERS)),
      await boot(appModule(handlers(noIo, 'SequentialNoIo'), 1)),
      await boot(appModule(handlers(noIo, 'ConcurrentNoIo'), HANDLERS)),
    ];
    [sequentialIo, concurrentIo, sequentialNoIo, concurrentNoIo] = apps.map((app) => app.get(EventEmitter));
  },
  async teardown() {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
  },
};
