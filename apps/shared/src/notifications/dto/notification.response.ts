import { ApiProperty } from '@nestjs/swagger';
import type { Notification } from '../notification.entity.js';

export class NotificationResponse implements Notification {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The event it came from.' }) eventId: string;
  @ApiProperty({ example: 'user_joined_meeting' }) kind: string;
  @ApiProperty({ example: 'User ada joined meeting standup' }) message: string;
  @ApiProperty({ type: String, nullable: true }) meetingId: string | null;
  @ApiProperty({ type: String, nullable: true }) meetingRoomId: string | null;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) receivedAt: Date;
}
