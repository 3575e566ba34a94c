// The tap floor's server (bench/tap_floor.ts starts it as its own process, as transit runs): one bare gRPC unary
// method that verifies one P-256 signature and records one tap through transit's own group commit
// (PostgresTapRecorder, on a database with transit's schema). No auth, no protobuf, no decision rules, no telemetry:
// what is left is the physical work a Tap cannot avoid.
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { outboxMigrations } from '@citypass/platform/outbox';
import { createPool, migrate } from '@citypass/platform/pg';
import { PostgresTapRecorder } from '../services/transit/src/store/tap_recorder.ts';
import { tapFloorMethod } from './tap_floor.ts';

const residents = Array.from({ length: 200 }, () => randomUUID());

async function main(): Promise<void> {
  const databaseUrl = process.env.TAP_FLOOR_DATABASE_URL ?? '';
  const publicKey = createPublicKey({
    key: Buffer.from(process.env.TAP_FLOOR_PUBLIC_KEY ?? '', 'base64'),
    format: 'der',
    type: 'spki',
  });
  const pool = createPool(databaseUrl, { applicationName: 'tap-floor', max: 24 });
  await migrate(pool, join(import.meta.dirname, '..', 'services', 'transit', 'src', 'store', 'migrations'), [
    ...outboxMigrations(900),
  ]);
  const recorder = new PostgresTapRecorder(pool);
  let count = 0;
  const tap = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    const signature = call.request.subarray(0, 64);
    const message = call.request.subarray(64);
    const valid = verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    const index = count++;
    recorder
      .record({
        id: randomUUID(),
        gateId: 'floor-g1',
        gateClient: 'floor',
        stationId: 'floor',
        direction: index % 2 === 0 ? 'in' : 'out',
        tappedAtMs: Date.now(),
        residentId: residents[index % residents.length] ?? '',
        credentialId: 'floor',
        concession: 'adult',
        presentationNonce: randomUUID(),
        presentation: message.toString(),
        source: 'online',
        traceContext: {},
      })
      .then(
        () => {
          callback(null, Buffer.from([valid ? 1 : 0]));
        },
        (error: unknown) => {
          callback({ code: grpc.status.UNAVAILABLE, details: String(error) });
        },
      );
  };
  const server = new grpc.Server();
  server.addService({ tap: tapFloorMethod }, { tap });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
  process.stdout.write(`tap floor listening ${port}\n`);
  process.once('SIGTERM', () => {
    server.tryShutdown(() => {
      void pool.end().then(() => process.exit(0));
    });
  });
}

await main();
