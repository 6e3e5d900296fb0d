import { NotFoundException } from '@nestjs/common';

export class MeetingNotFoundException extends NotFoundException {
  constructor(meetingId: string) {
    super(`Meeting "${meetingId}" not found`);
  }
}
