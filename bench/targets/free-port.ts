import net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now. The servers under test need
 * a number up front (strata rejects port 0, Keystone's script takes KEYSTONE_PORT), so this
 * asks the kernel for one and releases it; the small race with other processes is accepted.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
