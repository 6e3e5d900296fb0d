import { Injectable } from '@nestjs/common';
import type { HealthCheckedConsumer } from 'nestjs-cqrs-broker/health';

/** The consumer transport app.factory.ts connects, for the health checks (it is made after the module). */
@Injectable()
export class ConsumerRef {
  consumer?: HealthCheckedConsumer;
}
