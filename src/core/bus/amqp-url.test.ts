import { describe, expect, it } from 'vitest';
import { parseTransportUrl } from './amqp-url.ts';

describe('parseTransportUrl', () => {
  it("reads oslo's rabbit:// URL", () => {
    expect(parseTransportUrl('rabbit://guest:guest@127.0.0.1:5672/')).toEqual([
      { hostname: '127.0.0.1', port: 5672, username: 'guest', password: 'guest', vhost: '/' },
    ]);
  });

  it('reads several brokers, a vhost and escaped credentials', () => {
    expect(parseTransportUrl('rabbit://nova:p%40ss@mq1:5671,nova:p%40ss@[::1]/cloud')).toEqual([
      { hostname: 'mq1', port: 5671, username: 'nova', password: 'p@ss', vhost: 'cloud' },
      { hostname: '::1', port: 5672, username: 'nova', password: 'p@ss', vhost: 'cloud' },
    ]);
  });

  it.each(['http://x/', 'rabbit://', 'rabbit://u:p@host:99999/'])('refuses %j', (url) => {
    expect(() => parseTransportUrl(url)).toThrow(/transport_url/);
  });
});
