import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/** The largest page `GET /notifications` serves. */
export const NOTIFICATIONS_MAX_PAGE = 1000;

/** `GET /notifications?limit=&after=`: one page, newest first. Any other query parameter is a 400. */
export class ListNotificationsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: NOTIFICATIONS_MAX_PAGE, default: 100, description: 'Page size.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(NOTIFICATIONS_MAX_PAGE)
  limit: number = 100;

  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: the `id` of the last notification of the previous page (the `Link` header gives the URL of the next page).' })
  @IsOptional()
  @IsUUID()
  after?: string;
}
