import { Injectable, Logger } from '@nestjs/common';

/** Tells a meeting's room what happened (the seed's `meetings_api.notify_room`); here it logs and remembers. */
@Injectable()
export class RoomNotifier {
  private readonly logger = new Logger(RoomNotifier.name);
  private readonly notices = new Map<string, string[]>();

  notify(meetingId: string, message: string): void {
    const list = this.notices.get(meetingId) ?? [];
    list.push(message);
    this.notices.set(meetingId, list.slice(-100));
    this.logger.log(`meeting ${meetingId}: ${message}`);
  }

  noticesFor(meetingId: string): readonly string[] {
    return this.notices.get(meetingId) ?? [];
  }
}
