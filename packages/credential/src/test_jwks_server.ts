// A real local HTTP server publishing a JWKS, counting requests, for the key refetch tests.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type JwksServer = {
  readonly uri: string;
  readonly requests: () => number;
  /** What the next responses are: a JWKS object, or a raw status and body. */
  publish(body: unknown, options?: { status?: number; delayMs?: number; chunked?: boolean; hang?: boolean }): void;
  close(): Promise<void>;
};

export async function startJwksServer(initial: unknown): Promise<JwksServer> {
  let requests = 0;
  let response = { body: JSON.stringify(initial), status: 200, delayMs: 0, chunked: false, hang: false };
  const server = createServer((_request, reply) => {
    requests += 1;
    const { body, status, delayMs, chunked, hang } = response;
    if (hang) return;
    setTimeout(() => {
      reply.writeHead(
        status,
        chunked
          ? { 'content-type': 'application/json' }
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      );
      reply.end(body);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => requests,
    publish(body, options = {}) {
      response = {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        status: options.status ?? 200,
        delayMs: options.delayMs ?? 0,
        chunked: options.chunked ?? false,
        hang: options.hang ?? false,
      };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}
