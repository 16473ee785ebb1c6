import { defineSection, opt } from '../config/index.ts';

/**
 * The `messaging` section: which bus a process uses. Every process of one cloud must
 * agree on transport_url and namespace; the rest is per process.
 */
export const messagingConfig = defineSection(
  'messaging',
  'Message bus between services, conductors and agents (oslo.messaging-style RPC and notifications).',
  {
    transport_url: opt.url(
      '',
      'Empty: the in-process bus (everything runs in one process). rabbit://user:password@host:5672/vhost for RabbitMQ (AMQP 0-9-1); several brokers as rabbit://u:p@host1:5672,u:p@host2:5672/ are tried in turn.',
      { secret: true },
    ),
    namespace: opt.string(
      'strata',
      'Prefix of every queue and exchange (oslo control_exchange); clouds sharing a RabbitMQ need different ones.',
    ),
    rpc_response_timeout: opt.int(
      60,
      'Seconds a call waits for its reply, and a cast for the broker to take it, unless the caller says otherwise.',
      { min: 1, max: 3600 },
    ),
    heartbeat: opt.int(
      60,
      'AMQP heartbeat in seconds: a dead broker or network is noticed after about twice this; 0 disables heartbeats.',
      { min: 0, max: 600 },
    ),
    prefetch: opt.int(
      10,
      'Messages one server or subscriber handles at once (AMQP basic.qos per consumer).',
      { min: 1, max: 1000 },
    ),
    reconnect_delay_max: opt.float(
      30,
      'Longest wait in seconds between attempts to reach the broker; delays double from 0.5 s up to this.',
      { min: 0.5, max: 600 },
    ),
  },
);
