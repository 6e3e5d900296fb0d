import { Injectable } from '@nestjs/common';
import { EventHandler, HandlesEvent } from 'nestjs-cqrs-broker';
import { RoomNotifier } from '../room-notifier.service.js';
import { UserJoined } from './user-joined.event.js';

@HandlesEvent(UserJoined)
@Injectable()
export class UserJoinedHandler implements EventHandler<UserJoined> {
  constructor(private readonly notifier: RoomNotifier) {}

  handle(event: UserJoined): void {
    this.notifier.notify(event.meetingId, `New user joined: ${event.userId}`);
  }
}
