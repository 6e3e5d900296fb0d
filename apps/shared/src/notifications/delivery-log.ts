import { closeSync, openSync, writeSync } from 'node:fs';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SampleEnvironment } from '../config/sample-environment.js';

/** What the inbox made of one delivery: its effects were applied now, or it had been handled before. */
export type DeliveryOutcome = 'processed' | 'duplicate';

/**
 * An optional audit trail of deliveries: with `DELIVERY_LOG=<file>` every
 * event that reached a handler appends one line `<event id>\t<outcome>`. The
 * inbox hides redeliveries (that is its job); this makes them countable, e.g.
 * by the fault-injection suite (`npm run test:faults`), which counts duplicates
 * after crashes.
 *
 * Written with a synchronous `write(2)` to a file descriptor opened once, not
 * to the database: a line is in the kernel as soon as the call returns, so it
 * survives the process being killed, and it adds no round trip to the
 * handler. Without `DELIVERY_LOG` it does nothing.
 */
@Injectable()
export class DeliveryLog implements OnApplicationShutdown {
  private fd?: number;

  constructor(config: ConfigService<SampleEnvironment, true>) {
    const file = config.get('DELIVERY_LOG', { infer: true });
    if (file) this.fd = openSync(file, 'a');
  }

  record(eventId: string, outcome: DeliveryOutcome): void {
    if (this.fd !== undefined) writeSync(this.fd, `${eventId}\t${outcome}\n`);
  }

  onApplicationShutdown(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
