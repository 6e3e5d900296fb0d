import type { LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { OutboxWakeupSource } from './outbox.dialect.js';

interface PgClient {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string }) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  removeAllListeners(event: string): void;
}

/**
 * Holds one pooled connection in `LISTEN` on the table's channel, so a commit
 * in any process wakes this relay. If the connection breaks, polling carries
 * on and {@link start} listens again at the next poll.
 */
export class PostgresOutboxListener implements OutboxWakeupSource {
  private client?: PgClient;
  private release?: (error?: Error) => void;
  private connecting?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly logger: LoggerService,
  ) {}

  /** Starts listening unless already listening; never throws. */
  start(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    try {
      const driver = this.dataSource.driver as unknown as { obtainMasterConnection(): Promise<[PgClient, (error?: Error) => void]> };
      const [client, release] = await driver.obtainMasterConnection();
      client.on('notification', (message) => {
        if (message.channel === this.channel) this.onNotify();
      });
      client.on('error', (error) => {
        this.logger.warn(`Outbox LISTEN connection failed (${error.message}); polling until it is back`);
        this.drop(error);
      });
      this.client = client;
      this.release = release;
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      this.logger.warn(`Outbox could not LISTEN (${(error as Error).message}); polling only`);
      this.drop(error as Error);
    }
  }

  private drop(error?: Error): void {
    this.client?.removeAllListeners('notification');
    this.client = undefined;
    // Releasing with an error makes the pool discard the connection.
    this.release?.(error);
    this.release = undefined;
  }

  async stop(): Promise<void> {
    await this.connecting;
    const client = this.client;
    if (!client) return;
    try {
      await client.query(`UNLISTEN "${this.channel}"`);
      this.drop();
    } catch (error) {
      this.drop(error as Error);
    }
  }
}
