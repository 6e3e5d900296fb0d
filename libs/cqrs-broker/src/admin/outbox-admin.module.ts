import { Controller, type DynamicModule, Module, UseGuards } from '@nestjs/common';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { OUTBOX_ADMIN_NEEDS_GUARD } from '../errors/messages.js';
import { OUTBOX_ADMIN_DEFAULTS, type OutboxAdminModuleOptions } from './outbox-admin-options.interface.js';
import { OUTBOX_ADMIN_MAX_PAGE, OutboxAdminController } from './outbox-admin.controller.js';

/**
 * HTTP routes over `OutboxAdmin` (needs `OutboxModule`), under `path`
 * (default `outbox`):
 *
 * - `GET stats`: `{ pending, published, dead, oldestPendingAgeMs }`
 * - `GET dead?limit=100&after=<id>`: `{ rows, next }`, dead rows oldest first
 * - `POST dead/:eventId/replay`: `{ replayed: 1 }`, 404 when no dead row has it
 * - `POST dead/replay`: `{ replayed: n }`
 * - `DELETE published?olderThanMs=0`: `{ purged: n }`
 *
 * It refuses to mount without `guards` (or `unsafeNoGuard: true`).
 * @publicApi
 */
@Module({})
export class OutboxAdminModule {
  static register(options: OutboxAdminModuleOptions): DynamicModule {
    const guards = options.guards ?? [];
    const unsafeNoGuard = options.unsafeNoGuard ?? OUTBOX_ADMIN_DEFAULTS.unsafeNoGuard;
    if (!guards.length && unsafeNoGuard !== true) throw new ConfigurationException(OUTBOX_ADMIN_NEEDS_GUARD);
    // A class per registration: its path and guards are decorator metadata.
    class MountedOutboxAdminController extends OutboxAdminController {}
    Controller(options.path ?? OUTBOX_ADMIN_DEFAULTS.path)(MountedOutboxAdminController);
    if (guards.length) UseGuards(...guards)(MountedOutboxAdminController);
    return {
      module: OutboxAdminModule,
      controllers: [MountedOutboxAdminController],
      providers: [{ provide: OUTBOX_ADMIN_MAX_PAGE, useValue: options.maxPageSize ?? OUTBOX_ADMIN_DEFAULTS.maxPageSize }],
    };
  }
}
