import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { BearerToken } from './bearer-token.js';

/**
 * Lets through requests with `Authorization: Bearer <ADMIN_TOKEN>`: 401 with
 * no bearer token, 403 with another one. The sample mounts the admin routes
 * only when ADMIN_TOKEN is set.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token?: BearerToken;

  constructor(config: ConfigService<{ ADMIN_TOKEN?: string }, true>) {
    const token = config.get('ADMIN_TOKEN', { infer: true });
    if (token) this.token = new BearerToken(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const authorization = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (!/^Bearer ./i.test(authorization ?? '')) throw new UnauthorizedException('Authorization: Bearer <ADMIN_TOKEN> required');
    return this.token?.matches(authorization) ?? false;
  }
}
