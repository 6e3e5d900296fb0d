import { Logger } from '@nestjs/common';
import type { logCreator } from 'kafkajs';
import { KAFKA_LOG_LEVEL as logLevel } from './kafka-client-config.js';

/**
 * Sends kafkajs's own log lines to the Nest logger (context `KafkaJS`)
 * instead of the console. kafkajs logs broker addresses, never SASL secrets.
 */
export const nestKafkaLogCreator: logCreator = () => {
  const logger = new Logger('KafkaJS');
  return ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    // We bound the idempotent producer's retries on purpose (see KafkaMessageBroker): not worth a warning at every start.
    if (message === 'Limiting retries for the idempotent producer may invalidate EoS guarantees') return;
    const details = Object.keys(extra).length ? ` ${JSON.stringify(extra, (key, value) => (key === 'stack' || key === 'timestamp' || key === 'logger' ? undefined : value))}` : '';
    const line = `${namespace ? `[${namespace}] ` : ''}${message}${details}`;
    if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
    else if (level === logLevel.INFO) logger.log(line);
    else logger.debug(line);
  };
};
