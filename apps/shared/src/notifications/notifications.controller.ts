import { Controller, DefaultValuePipe, Get, ParseIntPipe, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Notification } from './notification.entity.js';

@Controller('notifications')
export class NotificationsController {
  constructor(@InjectRepository(Notification) private readonly notifications: Repository<Notification>) {}

  /** Newest first. */
  @Get()
  list(@Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number): Promise<Notification[]> {
    return this.notifications.find({ order: { occurredAt: 'DESC', receivedAt: 'DESC' }, take: Math.min(Math.max(limit, 1), 1000) });
  }
}
