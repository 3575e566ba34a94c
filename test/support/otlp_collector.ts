// A stand-in OTLP/HTTP collector for system tests: services export their spans to it (OTEL_EXPORTER_OTLP_ENDPOINT)
// and tests look for trace ids and span names in the raw protobuf batches it received.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpCollector {
  /** The endpoint to give a service. */
  readonly endpoint: string;
  /** Every /v1/traces request body received so far. */
  readonly batches: Buffer[];
  close(): void;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const batches: Buffer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') batches.push(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' });
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    batches,
    close: () => server.close(),
  };
}
