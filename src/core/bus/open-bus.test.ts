import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { AmqpBus } from './amqp-bus.ts';
import { handle } from './bus.ts';
import { messagingConfig } from './config.ts';
import { defineMessage } from './message.ts';
import { openBus } from './open-bus.ts';

const Ping = defineMessage({
  name: 'ping',
  version: '1.0',
  schema: Type.Object({}),
  reply: Type.Literal('pong'),
});

describe('openBus', () => {
  it('is the in-process bus when transport_url is empty', async () => {
    const config = loadConfig([messagingConfig], { env: {} }).section(messagingConfig);
    expect(config.transport_url).toBe('');
    const bus = openBus(config);
    try {
      expect(bus).not.toBeInstanceOf(AmqpBus);
      await bus.serve({ topic: 'conductor', server: 'a' }, [handle(Ping, () => 'pong' as const)]);
      await expect(bus.call({ topic: 'conductor' }, Ping, {})).resolves.toBe('pong');
    } finally {
      await bus.close();
    }
  });

  it('is RabbitMQ for a rabbit:// transport_url, from the environment like every option', async () => {
    const config = loadConfig([messagingConfig], {
      env: {
        STRATA_MESSAGING__TRANSPORT_URL: 'rabbit://guest:guest@127.0.0.1:1/',
        STRATA_MESSAGING__RPC_RESPONSE_TIMEOUT: '2',
      },
    }).section(messagingConfig);
    const bus = openBus(config);
    try {
      expect(bus).toBeInstanceOf(AmqpBus);
      // nothing listens there: the default timeout (2 s) ends the wait, retryable
      const err = await bus.cast({ topic: 'conductor' }, Ping, {}).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'bus.unavailable', retryable: true });
    } finally {
      await bus.close();
    }
  });

  it('refuses a transport_url that is not a URL', () => {
    expect(() =>
      loadConfig([messagingConfig], { env: { STRATA_MESSAGING__TRANSPORT_URL: 'not a url' } }),
    ).toThrow(/transport_url/);
  });
});
