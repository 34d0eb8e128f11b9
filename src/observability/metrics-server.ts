/**
 * A small Prometheus endpoint (`GET /metrics`) for a process whose metrics live in a prom-client
 * registry (the callback receiver; the worker's endpoint is the Temporal runtime's own). It listens on
 * its own address, apart from the service's public port: callbacks come from the internet, scrapes
 * from inside.
 */
import { createServer } from 'node:http';
import { listen, urlHost } from '../http/listen.js';
import type { Registry } from 'prom-client';

export interface RunningMetricsServer {
  url: string;
  close(): Promise<void>;
}

/** `host:port` (IPv6 in brackets) as what `listen` takes. */
export function splitBindAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) };
}

export async function startMetricsServer(bindAddress: string, registry: Registry): Promise<RunningMetricsServer> {
  const { host, port } = splitBindAddress(bindAddress);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const bound = await listen(server, port, host);
  return {
    url: `http://${urlHost(host)}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
