import { BadRequestException, Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { Repository } from 'typeorm';
import { ApiInvalidInputResponse } from '../http/api-responses.decorator.js';
import { retryRead } from '../retry-read.js';
import { ListNotificationsQuery } from './dto/list-notifications.query.js';
import { NotificationResponse } from './dto/notification.response.js';
import { Notification } from './notification.entity.js';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(@InjectRepository(Notification) private readonly notifications: Repository<Notification>) {}

  /**
   * One page, newest first (by when the event happened, then when it was
   * received, then id). Paged by keyset: when more remain, the `Link` header
   * names the next page (`?limit=…&after=<last id>`), which starts after
   * that row however many arrive meanwhile. A read: retried once on a stale
   * pooled connection.
   */
  @Get()
  @ApiOkResponse({
    type: [NotificationResponse],
    headers: { Link: { description: '`<…/notifications?limit=…&after=…>; rel="next"` when more remain.', schema: { type: 'string' } } },
  })
  @ApiInvalidInputResponse()
  async list(@Query() { limit, after }: ListNotificationsQuery, @Res({ passthrough: true }) response: Response): Promise<Notification[]> {
    const rows = await retryRead(() => this.page(limit + 1, after));
    if (rows.length > limit) {
      rows.length = limit;
      response.setHeader('Link', `</notifications?limit=${limit}&after=${rows[limit - 1].id}>; rel="next"`);
    }
    return rows;
  }

  private async page(take: number, after: string | undefined): Promise<Notification[]> {
    const query = this.notifications
      .createQueryBuilder('n')
      .orderBy('n.occurredAt', 'DESC')
      .addOrderBy('n.receivedAt', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .limit(take);
    if (after !== undefined) {
      if (!(await this.notifications.existsBy({ id: after }))) throw new BadRequestException([`after: no notification with id ${after}`]);
      // Compared in SQL against the cursor row's own values: no timestamp makes a round trip through JavaScript (PostgreSQL keeps microseconds).
      const table = this.notifications.manager.connection.driver.escape(this.notifications.metadata.tablePath);
      query.where(`(n.occurred_at, n.received_at, n.id) < (SELECT c.occurred_at, c.received_at, c.id FROM ${table} c WHERE c.id = :after)`, { after });
    }
    return query.getMany();
  }
}
