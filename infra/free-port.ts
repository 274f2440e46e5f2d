// A port free on loopback now, for a listener that must be told its port before it starts (the Temporal dev
// server, the Temporal SDK's metrics exporter, the services tests start).
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
