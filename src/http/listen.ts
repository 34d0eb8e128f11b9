/**
 * Starting the package's HTTP servers (emulator, callback receiver, metrics, codec server): listen
 * and learn the port (0 asks the system for a free one), and the host as a URL writes it.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** Listens on host:port; resolves to the bound port, rejects when the address cannot be had. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The host as it stands in a URL: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
