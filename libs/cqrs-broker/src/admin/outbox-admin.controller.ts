import { BadRequestException, Delete, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { OutboxAdmin } from '../outbox/outbox-admin.js';
import type { DeadOutboxRow, OutboxStats } from '../outbox/outbox.dialect.js';

/** Injection token of the admin controller's resolved page size. */
export const OUTBOX_ADMIN_MAX_PAGE = Symbol('cqrs-broker:outbox-admin-max-page');

/** A page of dead rows; `next` is the `after` of the next page, `null` on the last. @publicApi */
export interface DeadOutboxPage {
  readonly rows: DeadOutboxRow[];
  readonly next: string | null;
}

/**
 * The outbox admin routes over `OutboxAdmin`. Registered by
 * `OutboxAdminModule.register`, which sets its path and guards; never mounted
 * by itself.
 */
export class OutboxAdminController {
  constructor(
    @Inject(OutboxAdmin) private readonly admin: OutboxAdmin,
    @Inject(OUTBOX_ADMIN_MAX_PAGE) private readonly maxPageSize: number,
  ) {}

  /** `GET <path>/stats`: pending, published and dead counts, oldest pending age. */
  @Get('stats')
  stats(): Promise<OutboxStats> {
    return this.admin.stats();
  }

  /** `GET <path>/dead?limit=100&after=<id>`: dead rows oldest first. */
  @Get('dead')
  async dead(@Query('limit') limit?: string, @Query('after') after?: string): Promise<DeadOutboxPage> {
    const size = Math.min(positiveInt('limit', limit, 100), this.maxPageSize);
    if (after !== undefined && !/^\d+$/.test(after)) throw new BadRequestException('after must be the id of a dead row');
    const rows = await this.admin.listDead(size, after);
    return { rows, next: rows.length === size ? rows[rows.length - 1].id : null };
  }

  /** `POST <path>/dead/replay`: every dead row pending again. */
  @Post('dead/replay')
  @HttpCode(200)
  async replayAll(): Promise<{ replayed: number }> {
    return { replayed: await this.admin.replayAllDead() };
  }

  /** `POST <path>/dead/:eventId/replay`: one dead event pending again; 404 when no dead row has that event id. */
  @Post('dead/:eventId/replay')
  @HttpCode(200)
  async replay(@Param('eventId') eventId: string): Promise<{ replayed: number }> {
    if (!(await this.admin.replay(eventId))) throw new NotFoundException(`no dead outbox row has event id ${eventId}`);
    return { replayed: 1 };
  }

  /** `DELETE <path>/published?olderThanMs=0`: deletes published rows older than that. */
  @Delete('published')
  async purge(@Query('olderThanMs') olderThanMs?: string): Promise<{ purged: number }> {
    return { purged: await this.admin.purgePublished(positiveInt('olderThanMs', olderThanMs, 0, true)) };
  }
}

function positiveInt(name: string, value: string | undefined, fallback: number, zero = false): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || (!zero && n === 0)) throw new BadRequestException(`${name} must be a ${zero ? 'non-negative' : 'positive'} integer`);
  return n;
}
