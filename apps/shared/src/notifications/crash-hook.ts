import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SampleEnvironment } from '../config/sample-environment.js';

/**
 * TEST ONLY, off by default. With `CRASH_ON_EVENT_ID=<event id>` the
 * notifications handlers kill their own process with SIGKILL while handling
 * that one event, inside its inbox transaction (nothing of it commits), every
 * time it is delivered: a message that crashes the consumer each time. The
 * fault suite's crash-looping-message scenario (docs/faults.md) uses it to
 * show that such a message still ends in the dead letter after
 * `retry.maxAttempts`, because the sample counts attempts in its database
 * (`InboxAttemptStore`). Never set it in a deployment; unset, `check` is one
 * comparison with `undefined`.
 */
@Injectable()
export class CrashHook {
  private readonly eventId?: string;

  constructor(config: ConfigService<SampleEnvironment, true>) {
    this.eventId = config.get('CRASH_ON_EVENT_ID', { infer: true });
  }

  /** Kills this process at once (SIGKILL: no shutdown hook, no flush) if `eventId` is the one `CRASH_ON_EVENT_ID` names. */
  check(eventId: string): void {
    if (this.eventId !== undefined && eventId === this.eventId) process.kill(process.pid, 'SIGKILL');
  }
}
