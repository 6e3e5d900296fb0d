import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { activeTelemetry } from './start-telemetry.js';

/**
 * Flushes and stops the OpenTelemetry SDK when the app shuts down, after every
 * other module has stopped (so the relay's and consumers' last spans go out).
 * Does nothing when no SDK was started.
 */
@Injectable()
export class TelemetryShutdownHook implements OnApplicationShutdown {
  private readonly logger = new Logger('Telemetry');

  async onApplicationShutdown(): Promise<void> {
    const telemetry = activeTelemetry();
    if (!telemetry) return;
    try {
      await telemetry.shutdown();
    } catch (error) {
      this.logger.warn(`OpenTelemetry SDK shutdown failed: ${(error as Error)?.message ?? error}`);
    }
  }
}
