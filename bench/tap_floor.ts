// The tap floor (issue 12): a bare gRPC unary call to a server that verifies one P-256 signature and inserts one
// row through transit's group commit. Its server runs as its own process (bench/tap_floor_server.ts); this is the
// client side: start it, call it, stop it.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startBenchServer } from './lib.ts';

/** Request: a 64-byte P-1363 signature, then the signed message. Answer: one byte, 1 when the signature held. */
export const tapFloorMethod = {
  path: '/citypass.bench.TapFloor/Tap',
  requestStream: false,
  responseStream: false,
  requestSerialize: (value: Buffer) => value,
  requestDeserialize: (value: Buffer) => value,
  responseSerialize: (value: Buffer) => value,
  responseDeserialize: (value: Buffer) => value,
} as const;

export interface TapFloor {
  /** One call: the signature of a fresh message the size of a presentation, verified and recorded. */
  call(): Promise<void>;
  readonly pid: number;
  /** The floor server's peak RSS so far, in MB (bench/lib.ts peakRssMb). */
  peakRssMb(): number | null;
  stop(): Promise<void>;
}

/** Messages of `messageBytes` (a presentation's size), signed ahead by the "phone": 256 of them, reused in turn. */
export async function startTapFloor(databaseUrl: string, messageBytes = 900): Promise<TapFloor> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = await startBenchServer(
    join(import.meta.dirname, 'tap_floor_server.ts'),
    'transit',
    {
      TAP_FLOOR_DATABASE_URL: databaseUrl,
      TAP_FLOOR_PUBLIC_KEY: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    },
    /tap floor listening (\d+)/,
  );
  const port = Number(server.ready[1]);
  const Client = grpc.makeGenericClientConstructor({ tap: tapFloorMethod }, 'TapFloor');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  // Requests are signed ahead (the phone's work, not the server's), a pool reused round-robin.
  const requests = Array.from({ length: 256 }, () => {
    const message = Buffer.from(randomBytes(Math.ceil((messageBytes * 3) / 4)).toString('base64url'));
    return Buffer.concat([sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }), message]);
  });
  let next = 0;
  const tap = client['tap'] as (
    request: Buffer,
    callback: (error: grpc.ServiceError | null, answer?: Buffer) => void,
  ) => void;
  return {
    pid: server.pid,
    peakRssMb: () => server.peakRssMb(),
    call: () =>
      new Promise((resolve, reject) => {
        tap.call(client, requests[next++ % requests.length] ?? Buffer.alloc(0), (error, answer) => {
          if (error) reject(error);
          else if (answer?.[0] !== 1) reject(new Error('the floor refused a valid signature'));
          else resolve();
        });
      }),
    async stop() {
      client.close();
      await server.stop();
    },
  };
}
