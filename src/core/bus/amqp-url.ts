/**
 * oslo.messaging's transport_url for RabbitMQ: `rabbit://user:pass@host:port/vhost`, with
 * several brokers separated by commas (`rabbit://u:p@h1:5672,u:p@h2:5672/`). `amqp://`
 * is accepted too.
 */
export interface BrokerAddress {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly vhost: string;
}

export function parseTransportUrl(url: string): BrokerAddress[] {
  const m = /^(rabbit|amqp):\/\/([^/]*)(?:\/(.*))?$/.exec(url);
  if (!m) throw new Error('transport_url must look like rabbit://user:password@host:5672/vhost');
  const vhost = decodeURIComponent(m[3] ?? '') || '/';
  const hosts = m[2]!.split(',').filter((h) => h !== '');
  if (hosts.length === 0) throw new Error('transport_url names no broker host');
  return hosts.map((part) => {
    const at = part.lastIndexOf('@');
    const [user, pass] = at >= 0 ? splitOnce(part.slice(0, at), ':') : ['guest', 'guest'];
    const hostPort = at >= 0 ? part.slice(at + 1) : part;
    const hm = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort);
    if (!hm) throw new Error(`transport_url: cannot read the broker host '${hostPort}'`);
    const port = hm[2] === undefined ? 5672 : Number(hm[2]);
    if (port < 1 || port > 65535) throw new Error(`transport_url: port ${port} is out of range`);
    return {
      hostname: hm[1]!.replace(/^\[|\]$/g, ''),
      port,
      username: decodeURIComponent(user),
      password: decodeURIComponent(pass),
      vhost,
    };
  });
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}
