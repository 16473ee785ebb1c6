import { parseTransportUrl } from './amqp-url.ts';
import { AmqpTransport, type AmqpTransportOptions } from './amqp-transport.ts';
import { RpcBus, type BusOptions } from './rpc-bus.ts';

export interface AmqpBusOptions
  extends BusOptions, Omit<AmqpTransportOptions, 'brokers' | 'logger' | 'connectionName'> {
  /** rabbit://user:password@host:5672/vhost (oslo's transport_url). */
  readonly transportUrl: string;
}

/** The bus over RabbitMQ. Connects in the background; sends wait for the broker up to their deadline. */
export class AmqpBus extends RpcBus {
  readonly amqp: AmqpTransport;

  constructor(opts: AmqpBusOptions) {
    const transport = new AmqpTransport({
      brokers: parseTransportUrl(opts.transportUrl),
      ...(opts.heartbeat === undefined ? {} : { heartbeat: opts.heartbeat }),
      ...(opts.prefetch === undefined ? {} : { prefetch: opts.prefetch }),
      ...(opts.reconnect === undefined ? {} : { reconnect: opts.reconnect }),
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
      ...(opts.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: opts.shutdownGraceMs }),
      connectionName: `strata ${opts.publisherId ?? process.pid}`,
    });
    super(transport, opts);
    this.amqp = transport;
  }
}
