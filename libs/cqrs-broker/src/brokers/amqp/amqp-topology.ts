import type { Options } from 'amqplib';
import { InvalidOptionException } from '../../errors/invalid-option.exception.js';
import { AMQP_TOPOLOGIES, type AmqpTopology } from './amqp-defaults.js';

/** Checks the `topology` option once, at construction. */
export function resolveAmqpTopology(topology: AmqpTopology | undefined): AmqpTopology {
  const resolved = topology ?? 'default';
  if (!AMQP_TOPOLOGIES.includes(resolved)) {
    throw new InvalidOptionException('topology', AMQP_TOPOLOGIES.map((t) => `'${t}'`).join(' or '), topology);
  }
  return resolved;
}

/**
 * python-cqrs's declarations (aio-pika's defaults for what it leaves out):
 * its publisher declares the queue named after the topic with no arguments,
 * then a `direct` exchange with `auto_delete=True`, then binds the queue by
 * routing key = queue name. Any difference (e.g. `durable`) makes RabbitMQ
 * refuse the other side's declaration with `PRECONDITION_FAILED`.
 */
export const PYTHON_CQRS_QUEUE: Options.AssertQueue = { durable: false, exclusive: false, autoDelete: false };
export const PYTHON_CQRS_EXCHANGE: Options.AssertExchange = { durable: false, autoDelete: true, internal: false };
export const PYTHON_CQRS_EXCHANGE_TYPE = 'direct';
