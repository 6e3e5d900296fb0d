import { DomainEvent } from 'nestjs-cqrs-broker';

/** In-process: a user joined a meeting. */
export class UserJoined extends DomainEvent {
  constructor(
    readonly meetingId: string,
    readonly userId: string,
  ) {
    super();
  }
}
