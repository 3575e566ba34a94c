// The charge floor (issue 12): a NATS request to a bare responder that verifies one P-256 signature, commits one
// transaction (a conditional UPDATE of a balance plus one INSERT) from a pool of 8 on a database of its own,
// publishes one JetStream event on a stream of its own and answers. Its server runs as its own process
// (bench/charge_floor_server.ts); this is the client side: start it, call it, measure it, stop it. The wallet's
// bench (bench/wallet_charges.ts) runs these phases beside its own, in the same run, for every figure's floor.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { createPresentation } from '@citypass/credential';
import { uniqueName } from '@citypass/platform/testing';
import {
  closedLoopPhase,
  openLoopPhase,
  sequentialPhase,
  startBenchServer,
  type BenchServer,
  type PhaseResult,
} from './lib.ts';

export interface ChargeFloorOptions {
  /** The floor's own database (an empty one: the server creates its two tables). */
  readonly databaseUrl: string;
  /** The broker the floor's server connects to: the one the measured service uses. */
  readonly natsUrl: string;
  /** The caller's connection to that broker, which sends the requests (as it sends the service's). */
  readonly nc: NatsConnection;
  /** Payer accounts, debited in turn (the bench's residents). */
  readonly accounts: number;
  /** The size of the credential a presentation carries (the bench's real ones), so the request is as large. */
  readonly credentialBytes?: number;
}

export interface ChargeFloor {
  /** One charge: a presentation verified, a balance debited and a row inserted in one commit, an event acked. */
  call(): Promise<void>;
  readonly pid: number;
  /** The floor server's peak resident set size so far, in MB. */
  peakRssMb(): number | null;
  stop(): Promise<void>;
}

export async function startChargeFloor(options: ChargeFloorOptions): Promise<ChargeFloor> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subject = `bench.charge_floor.${randomBytes(6).toString('hex')}`;
  const server: BenchServer = await startBenchServer(
    join(import.meta.dirname, 'charge_floor_server.ts'),
    'wallet',
    {
      CHARGE_FLOOR_DATABASE_URL: options.databaseUrl,
      CHARGE_FLOOR_NATS_URL: options.natsUrl,
      CHARGE_FLOOR_SUBJECT: subject,
      CHARGE_FLOOR_STREAM: uniqueName('CHARGE_FLOOR'),
      CHARGE_FLOOR_ACCOUNTS: String(options.accounts),
      CHARGE_FLOOR_PUBLIC_KEY: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    },
    /charge floor ready/,
  );
  // Presentations in the wallet's wire form, signed ahead (the phone's work, not the server's), reused in turn:
  // the floor keeps no replay cache, so reuse costs it nothing the first use did not.
  const credential = randomBytes(Math.ceil(((options.credentialBytes ?? 900) * 3) / 4)).toString('base64url');
  const requests = Array.from({ length: 256 }, (_, index) => {
    const account = Buffer.alloc(4);
    account.writeUInt32BE((index % options.accounts) + 1);
    const presentation = createPresentation({
      credential,
      devicePrivateKey: privateKey,
      audience: 'shop',
      counter: index + 1,
      nowMs: Date.now(),
      ttlSeconds: 60,
    });
    return Buffer.concat([account, Buffer.from(presentation, 'latin1')]);
  });
  let next = 0;
  return {
    pid: server.pid,
    async call() {
      const answer = await options.nc.request(subject, requests[next++ % requests.length] ?? Buffer.alloc(0), {
        timeout: 5_000,
      });
      if (answer.data[0] !== 1) throw new Error(`the charge floor answered ${String(answer.data[0])}`);
    },
    peakRssMb: () => server.peakRssMb(),
    stop: () => server.stop(),
  };
}

/** The three shapes, as the wallet bench runs them: sequential, `inFlight` in a closed loop, open loop. */
export const chargeFloorPhase = {
  sequential: (floor: ChargeFloor, phaseMs: number): Promise<PhaseResult> =>
    sequentialPhase(phaseMs, 1e9, () => floor.call()),
  closed: (floor: ChargeFloor, inFlight: number, phaseMs: number): Promise<PhaseResult> =>
    closedLoopPhase(inFlight, phaseMs, 1e9, () => floor.call()),
  open: (floor: ChargeFloor, ratePerS: number, phaseMs: number): Promise<PhaseResult> =>
    openLoopPhase(ratePerS, Math.ceil((ratePerS * phaseMs) / 1000), () => floor.call()),
} as const;

/** A warm-up: JIT, the pool's 8 connections, the prepared statement, the stream's first writes. */
export async function warmChargeFloor(floor: ChargeFloor, calls = 200): Promise<void> {
  await closedLoopPhase(8, 60_000, calls, () => floor.call());
}
