// The charge floor's server (issue 12; bench/charge_floor.ts starts it as its own process, as the wallet runs): a
// bare NATS responder that, for each request, verifies one P-256 signature (the ES256 key-binding JWT of a
// presentation, as the wallet does for a credential it has seen before), commits one transaction (a conditional
// UPDATE of the payer's balance plus one INSERT, one statement) from a pool of 8 on a database of its own,
// publishes one JetStream event on a stream of its own and waits for its ack, then answers. No auth, no protobuf,
// no idempotency, no risk limits, no outbox, no telemetry: what is left is the physical work a charge cannot avoid.
//
// Request: the payer's account number (4 bytes, big-endian), then the presentation (`<credential>~<kb-jwt>`).
// Answer: one byte, 1 when the signature held and the balance covered the amount, 0 when refused, 2 on a failure.
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { connect, type Msg } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ensureStream } from '@citypass/platform/bus';
import { createPool } from '@citypass/platform/pg';

const amountMinor = 100;
const encoder = new TextEncoder();

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (value === undefined || value === '') throw new Error(`${name} is not set`);
    return value;
  };
  const subject = env('CHARGE_FLOOR_SUBJECT');
  const stream = env('CHARGE_FLOOR_STREAM');
  const accounts = Number(env('CHARGE_FLOOR_ACCOUNTS'));
  const publicKey = createPublicKey({
    key: Buffer.from(env('CHARGE_FLOOR_PUBLIC_KEY'), 'base64'),
    format: 'der',
    type: 'spki',
  });

  const pool = createPool(env('CHARGE_FLOOR_DATABASE_URL'), { applicationName: 'charge-floor', max: 8 });
  await pool.query(`
    CREATE TABLE IF NOT EXISTS floor_accounts (id int PRIMARY KEY, balance_minor bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS floor_charges (
      id uuid PRIMARY KEY,
      account_id int NOT NULL,
      amount_minor bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await pool.query(
    'INSERT INTO floor_accounts SELECT g, 100000000000 FROM generate_series(1, $1::int) g ON CONFLICT DO NOTHING',
    [accounts],
  );

  const nc = await connect({ servers: env('CHARGE_FLOOR_NATS_URL'), name: 'charge-floor' });
  const jsm = await jetstreamManager(nc);
  const eventSubject = `${subject}.events`;
  await ensureStream(jsm, { name: stream, subjects: [eventSubject] });
  const js = jetstream(nc);

  /** The key-binding JWT's ES256 signature over `header.payload`: the one verify a warm presentation costs. */
  const signatureHolds = (presentation: string): boolean => {
    const keyBinding = presentation.slice(presentation.lastIndexOf('~') + 1);
    const signatureAt = keyBinding.lastIndexOf('.');
    if (signatureAt < 0) return false;
    return verify(
      'sha256',
      Buffer.from(keyBinding.slice(0, signatureAt), 'latin1'),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(keyBinding.slice(signatureAt + 1), 'base64url'),
    );
  };

  const charge = async (message: Msg): Promise<number> => {
    const data = message.data;
    if (data.length < 5) return 0;
    const account = new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
    if (!signatureHolds(Buffer.from(data.subarray(4)).toString('latin1'))) return 0;
    const chargeId = randomUUID();
    const committed = await pool.query({
      name: 'charge',
      text: `WITH debited AS (
               UPDATE floor_accounts SET balance_minor = balance_minor - $2 WHERE id = $1 AND balance_minor >= $2
               RETURNING id)
             INSERT INTO floor_charges (id, account_id, amount_minor) SELECT $3, id, $2 FROM debited`,
      values: [account, amountMinor, chargeId],
    });
    if (committed.rowCount !== 1) return 0;
    await js.publish(
      eventSubject,
      encoder.encode(JSON.stringify({ charge_id: chargeId, account, amount_minor: amountMinor })),
      { msgID: chargeId },
    );
    return 1;
  };

  const subscription = nc.subscribe(subject, {
    callback: (_error, message) => {
      charge(message).then(
        (answer) => message.respond(Uint8Array.of(answer)),
        (error: unknown) => {
          process.stderr.write(`charge floor: ${String(error)}\n`);
          message.respond(Uint8Array.of(2));
        },
      );
    },
  });
  await nc.flush();
  process.stdout.write('charge floor ready\n');
  process.once('SIGTERM', () => {
    void (async () => {
      await subscription.drain();
      await jsm.streams.delete(stream).catch(() => false);
      await nc.close();
      await pool.end();
      process.exit(0);
    })();
  });
}

await main();
