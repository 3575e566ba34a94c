// Fault tests: the wallet runs as its own process under a steady load of authorize+capture and combined charge
// calls; it is killed with SIGKILL and restarted, the NATS server is restarted, and its database connections are
// terminated (as a failover does), while clients retry with their idempotency keys (the client contract).
// Afterwards every acknowledged charge exists exactly once, the books balance, and every event was relayed exactly
// once. A storm on one resident's account is answered without INTERNAL and without holding up everyone else.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { WalletServiceService, type AuthorizeRequest, type ChargeRequest } from '@citypass/proto/wallet/v1/wallet';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createPool, type Pool } from '@citypass/platform/pg';
import { freePort, testPostgres, type TestDatabase } from '@citypass/platform/testing';
import { reconciliationReport } from '../services/wallet/src/app/reconciliation_report.ts';
import { ledgerBooks } from '../services/wallet/src/store/reconciliation.ts';
import { startHarness, type IdentityHarness } from '../services/identity/test/harness.ts';
import { startServiceProcess, type ServiceProcess } from './support/service_process.ts';
import { createPresentation } from '@citypass/credential';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { ResidentApp } from '@citypass/phone';

let identity: IdentityHarness;
let database: TestDatabase;
let db: Pool;
let walletProcess: ServiceProcess;
let env: Record<string, string>;
let wallet: PromiseClient<typeof WalletServiceService>;
let funding: PromiseClient<typeof WalletServiceService>;

before(async () => {
  identity = await startHarness();
  database = await testPostgres();
  const port = await freePort();
  env = {
    WALLET_GRPC_HOST: '127.0.0.1',
    WALLET_GRPC_PORT: String(port),
    WALLET_DATABASE_URL: database.url,
    NATS_URL: identity.nats.url,
    IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
    IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
    IDENTITY_ISSUER: identity.issuer,
    IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '100000',
    WALLET_RISK_DAILY_LIMIT_MINOR: '1000000000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000000000',
    LOG_LEVEL: 'info',
  };
  walletProcess = await startServiceProcess('wallet', env);
  db = createPool(database.url, { max: 2 });
  const tokenFor = async (name: string, extra: string[]): Promise<string> =>
    (await identity.onboardWithToken(name, extra, 'urn:citypass:wallet')).token;
  const shopToken = await tokenFor('shop', []);
  const fundingToken = await tokenFor('funding', ['topup:funding']);
  wallet = promiseClient(WalletServiceService, `127.0.0.1:${port}`, {
    metadata: () => bearer(shopToken),
    timeoutMs: 2_000,
  });
  funding = promiseClient(WalletServiceService, `127.0.0.1:${port}`, {
    metadata: () => bearer(fundingToken),
    timeoutMs: 2_000,
  });
});

after(async () => {
  wallet.close();
  funding.close();
  await walletProcess.stop();
  await db.end();
  await database.drop();
  await identity.stop();
});

/** Retries one call with the same request (same idempotency key) until the wallet answers. */
async function untilAnswered<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const reason = (error as { reason?: string }).reason;
      const retryable = reason === undefined || reason === 'REVOCATIONS_UNAVAILABLE';
      if (!retryable || attempt > 400) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A resident with a credential on a phone, funded by `amountMinor`, and a way to make fresh presentations. */
async function fundedResident(amountMinor: bigint): Promise<{ residentId: string; present: () => string }> {
  const created = await identity.operator.createResident({
    idempotencyKey: randomBytes(8).toString('hex'),
    givenName: 'Load',
    familyName: 'Test',
    birthDate: '1990-01-01',
    concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
    coveragePlanRef: '',
  });
  const app = new ResidentApp(identity.issuer);
  const token = await app.enroll(created.enrollmentCode?.code ?? '', 'load test password');
  const credential =
    ((await (await app.requestCredential(token)).json()) as { credentials: { credential: string }[] }).credentials[0]
      ?.credential ?? '';
  const residentId = created.resident?.residentId ?? '';
  await untilAnswered(() =>
    funding.topUp({
      idempotencyKey: randomBytes(8).toString('hex'),
      residentId,
      amount: { amountMinor, currency: 'EUR' },
      fundingReference: randomBytes(8).toString('hex'),
    }),
  );
  let counter = 0;
  return {
    residentId,
    present: () =>
      createPresentation({
        credential,
        devicePrivateKey: app.deviceKey.privateKey,
        audience: 'shop',
        counter: ++counter,
        nowMs: Date.now(),
      }),
  };
}

/** 'OK', the DomainError's kind and reason, or 'untyped' for anything else (INTERNAL or a transport failure). */
async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    return outcomeOfError(error);
  }
}

function outcomeOfError(error: unknown): string {
  const { kind, reason } = error as { kind?: string; reason?: string };
  return kind === undefined ? 'untyped' : `${kind} ${reason ?? ''}`;
}

async function untilRelayed(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await db.query('SELECT 1 FROM outbox WHERE published_at IS NULL')).rowCount !== 0) {
    assert.ok(Date.now() < deadline, 'the relay did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('faults - SIGKILL and a broker restart under load lose no acknowledged charge and double none', async () => {
  const resident = await fundedResident(10_000_000n);
  const acknowledged = new Map<string, string>();
  let stop = false;
  // Even clients authorize and capture 60 of 100; odd ones charge 60 in one call (Charge).
  const charging = async (id: number): Promise<void> => {
    for (let step = 0; !stop; step++) {
      const request: ChargeRequest = {
        idempotencyKey: `client-${id}-step-${step}`,
        amount: { amountMinor: 60n, currency: 'EUR' },
        reference: '',
        settlesTap: false,
        presentation: resident.present(),
      };
      const { hold } = await untilAnswered(() => wallet.charge(request));
      acknowledged.set(request.idempotencyKey, hold?.holdId ?? '');
    }
  };
  const client = async (id: number): Promise<void> => {
    if (id % 2 === 1) return charging(id);
    for (let step = 0; !stop; step++) {
      const request: AuthorizeRequest = {
        idempotencyKey: `client-${id}-step-${step}`,
        amount: { amountMinor: 100n, currency: 'EUR' },
        reference: '',
        holdTtlSeconds: 0,
        settlesTap: false,
        presentation: resident.present(),
      };
      const { hold } = await untilAnswered(() => wallet.authorize(request));
      await untilAnswered(() =>
        wallet.capture({
          idempotencyKey: `client-${id}-step-${step}-capture`,
          holdId: hold?.holdId ?? '',
          amountMinor: 60n,
        }),
      );
      acknowledged.set(request.idempotencyKey, hold?.holdId ?? '');
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, id) => client(id)));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  walletProcess.child.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 300));
  walletProcess = await startServiceProcess('wallet', env);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await identity.nats.restart();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  stop = true;
  await load;

  const holds = await db.query<{ id: string; status: string; captured_minor: string }>(
    'SELECT id, status, captured_minor FROM holds',
  );
  assert.ok(acknowledged.size > 50, `only ${acknowledged.size} charges went through`);
  assert.equal(holds.rowCount, acknowledged.size, 'one hold per acknowledged key, none extra');
  assert.equal(new Set(acknowledged.values()).size, acknowledged.size);
  assert.ok(holds.rows.every((row) => row.status === 'captured' && row.captured_minor === '60'));
  const report = await reconciliationReport(ledgerBooks(db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));

  // Every outbox row reaches the stream exactly once (JetStream drops a re-published Nats-Msg-Id).
  const nc = await connect({ servers: identity.nats.url });
  await untilRelayed();
  const outbox = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]?.n);
  const info = await (await jetstreamManager(nc)).streams.info('WALLET_EVENTS');
  assert.equal(info.state.messages, outbox, 'stream messages = outbox rows');
  const consumer = await jetstream(nc).consumers.get('WALLET_EVENTS');
  const seen = new Set<string>();
  for (let index = 0; index < outbox; index++) {
    const message = await consumer.next({ expires: 2_000 });
    if (message === null) break;
    seen.add(EventEnvelope.decode(message.data).id);
  }
  assert.equal(seen.size, outbox, 'no event twice');
  await nc.close();
  console.log(
    `# ${acknowledged.size} charges acknowledged across a SIGKILL and a broker restart; ${outbox} events relayed once`,
  );
});

test('faults - database connections terminated under load: the wallet lives, calls fail only as UNAVAILABLE and go through when retried', async () => {
  const resident = await fundedResident(10_000_000n);
  const failures = new Map<string, number>();
  const retried = async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        const outcome = outcomeOfError(error);
        failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
        if (!outcome.startsWith('unavailable ')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const before = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM holds')).rows[0]?.n);
  const acknowledged = new Set<string>();
  const state = { running: true };
  const client = async (id: number): Promise<void> => {
    for (let step = 0; state.running; step++) {
      const key = `terminated-${id}-${step}`;
      const request: AuthorizeRequest = {
        idempotencyKey: key,
        amount: { amountMinor: 100n, currency: 'EUR' },
        reference: '',
        holdTtlSeconds: 0,
        settlesTap: false,
        presentation: resident.present(),
      };
      const { hold } = await retried(() => wallet.authorize(request));
      await retried(() =>
        wallet.capture({ idempotencyKey: `${key}-capture`, holdId: hold?.holdId ?? '', amountMinor: 60n }),
      );
      acknowledged.add(hold?.holdId ?? '');
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, id) => client(id)));
  let terminated = 0;
  for (let round = 0; round < 8; round++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { rowCount } = await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'wallet'",
    );
    terminated += rowCount ?? 0;
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  state.running = false;
  await load;

  assert.equal(walletProcess.child.exitCode, null, 'the wallet process is still running');
  assert.ok(terminated >= 8, `terminated ${terminated} connections`);
  assert.deepEqual(
    [...failures.keys()].filter((outcome) => !outcome.startsWith('unavailable ')),
    [],
    `failures: ${JSON.stringify([...failures])}`,
  );
  assert.ok(acknowledged.size > 20, `only ${acknowledged.size} charges went through`);
  const holds = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM holds')).rows[0]?.n);
  assert.equal(holds - before, acknowledged.size, 'one hold per acknowledged charge, none extra');
  const report = await reconciliationReport(ledgerBooks(db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
  await untilRelayed();
  console.log(
    `# ${terminated} connections terminated under load; ${acknowledged.size} charges; failures seen: ${JSON.stringify([...failures])}`,
  );
});

test('faults - a storm of 240 authorizations on one account: no INTERNAL, the overflow told to retry, the other residents served meanwhile', async () => {
  const hot = await fundedResident(10_000n);
  const others = await Promise.all(Array.from({ length: 4 }, () => fundedResident(1_000n)));
  // Callers follow the contract: ACCOUNT_BUSY (the account's queue is full) is retried with the same request.
  let busy = 0;
  const charge = async (resident: { present: () => string }): Promise<string> => {
    const request: AuthorizeRequest = {
      idempotencyKey: randomBytes(12).toString('hex'),
      amount: { amountMinor: 100n, currency: 'EUR' },
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
      presentation: resident.present(),
    };
    for (;;) {
      const outcome = await outcomeOf(wallet.authorize(request, { deadlineMs: Date.now() + 10_000 }));
      if (outcome !== 'resource_exhausted ACCOUNT_BUSY') return outcome;
      busy++;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  };
  const [storm, meanwhile] = await Promise.all([
    Promise.all(Array.from({ length: 240 }, () => charge(hot))),
    Promise.all(others.flatMap((resident) => [charge(resident), charge(resident)])),
  ]);
  const counts = new Map<string, number>();
  for (const outcome of storm) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const expected = new Set(['OK', 'failed_precondition INSUFFICIENT_FUNDS']);
  assert.deepEqual(
    [...counts.keys()].filter((outcome) => !expected.has(outcome)),
    [],
    `storm: ${JSON.stringify([...counts])}`,
  );
  assert.equal(counts.get('OK'), 100, 'the balance is reserved exactly: 100 x 1.00 of 100.00');
  assert.deepEqual(
    meanwhile,
    meanwhile.map(() => 'OK'),
  );
  const report = await reconciliationReport(ledgerBooks(db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
  assert.ok(busy > 0, 'the storm overflowed the account queue and was told to retry');
  console.log(`# hot account storm: ${JSON.stringify([...counts])}, ${busy} ACCOUNT_BUSY answers retried`);
});
