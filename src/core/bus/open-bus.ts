import type { OptionValues } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import { AmqpBus } from './amqp-bus.ts';
import type { Bus } from './bus.ts';
import type { messagingConfig } from './config.ts';
import { createInProcessBus } from './in-process.ts';
import type { MemoryBroker } from './memory-transport.ts';

export type MessagingConfig = OptionValues<(typeof messagingConfig)['options']>;

/**
 * The bus a process uses, from its `messaging` section: in-process when transport_url is
 * empty (components of one process share `broker`), RabbitMQ otherwise.
 */
export function openBus(
  config: MessagingConfig,
  opts: { logger?: Logger; publisherId?: string; broker?: MemoryBroker } = {},
): Bus {
  const common = {
    namespace: config.namespace,
    rpcResponseTimeoutMs: config.rpc_response_timeout * 1000,
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
    ...(opts.publisherId === undefined ? {} : { publisherId: opts.publisherId }),
  };
  if (config.transport_url === '') {
    return createInProcessBus({
      ...common,
      prefetch: config.prefetch,
      ...(opts.broker === undefined ? {} : { broker: opts.broker }),
    });
  }
  return new AmqpBus({
    ...common,
    transportUrl: config.transport_url,
    heartbeat: config.heartbeat,
    prefetch: config.prefetch,
    reconnect: { baseDelayMs: 500, maxDelayMs: config.reconnect_delay_max * 1000 },
  });
}
