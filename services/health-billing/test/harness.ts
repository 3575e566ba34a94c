// A real identity, wallet and health billing in this process, on their own databases and one nats-server, plus what
// a health-billing test needs: a clinic (bill:), an insurer (insure:) whose payer account is funded, health billing
// onboarded in identity (adjudicate:, refund:), an operator client with health-billing:admin, and residents whose
// credential names a coverage plan. Health billing's clock can be moved (to put a plan effective "tomorrow" and check
// in under it today, or to pass a payment deadline). `startHealthBillingProcessHarness` runs health billing as its own
// process instead (`node --import telemetry main`, the same config as environment), to be killed and started again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPresentation, type AmountCap } from '@citypass/credential';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { createPool, type Pool } from '@citypass/platform/pg';
import { freePort, testPostgres, uniqueName, type TestDatabase } from '@citypass/platform/testing';
import { HealthBillingServiceService } from '@citypass/proto/health_billing/v1/health_billing';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { ResidentApp } from '@citypass/phone';
import { startServiceProcess, type ServiceProcess } from '../../../test/support/service_process.ts';
import { startWalletHarness, waitFor, type ServiceClient, type WalletHarness } from '../../wallet/test/harness.ts';
import { loadHealthBillingConfig } from '../src/config.ts';
import { startHealthBilling, type RunningHealthBilling } from '../src/server.ts';

export type HealthBillingClient = PromiseClient<typeof HealthBillingServiceService>;

export interface Patient {
  readonly residentId: string;
  present(audience: string, amountCap?: AmountCap): string;
}

export interface Clinic {
  readonly name: string;
  readonly billing: HealthBillingClient;
  /** The clinic's access token (bill:<clinic>), for a call that sets its own metadata (a traceparent). */
  readonly token: string;
}

export interface HealthBillingParties {
  readonly wallet: WalletHarness;
  /** Health billing's configuration as environment variables (what a process of it is started with). */
  readonly env: Readonly<Record<string, string>>;
  /** Health billing's database, for assertions. */
  readonly db: Pool;
  readonly operator: HealthBillingClient;
  readonly insurer: string;
  /** The insurer calling health billing with its own token (`insure:<insurer>`). */
  readonly insurerBilling: HealthBillingClient;
  readonly clinic: Clinic;
  /** Onboards another clinic (bill:) and waits until health billing knows it. */
  addClinic(name: string): Promise<Clinic>;
  /** Onboards another insurer (insure:) and waits until health billing knows it; its client. */
  addInsurer(name: string): Promise<HealthBillingClient>;
  patient(planId: string): Promise<Patient>;
  fundInsurer(amountMinor: bigint): Promise<void>;
  topUp(patient: Patient, amountMinor: bigint): Promise<void>;
  /** A wallet account's balance and held amount in EUR. */
  account(kind: string, owner: string): Promise<{ balance: bigint; held: bigint } | undefined>;
  stop(): Promise<void>;
}

export interface HealthBillingHarness extends HealthBillingParties {
  readonly healthBilling: RunningHealthBilling;
  /** Moves health billing's clock by `offsetMs` from the real one. */
  setClockOffset(offsetMs: number): void;
}

export interface HealthBillingProcessHarness extends HealthBillingParties {
  /** The running process (undefined while health billing runs in this process for setup, or is killed). */
  readonly process: ServiceProcess | undefined;
  /** Moves the clock of the setup instance (in this process, before `runAsProcess`) from the real one. */
  setClockOffset(offsetMs: number): void;
  /** Kills the process with SIGKILL: no cleanup, as a crash or an OOM kill does. */
  kill(): Promise<void>;
  /**
   * Stops the setup instance if it runs, and starts health billing as its own process on the same database, port,
   * stream and keys (again, after `kill`).
   */
  runAsProcess(): Promise<void>;
}

interface Instance {
  readonly address: string;
  stop(): Promise<void>;
}

const insurerName = 'city-health-fund';

/**
 * `identityOverrides`: identity's environment (e.g. the console's client secret, to sign operators in);
 * `overrides`: more of health billing's.
 */
export async function startHealthBillingHarness(
  identityOverrides: Record<string, string> = {},
  overrides: Record<string, string> = {},
): Promise<HealthBillingHarness> {
  let offsetMs = 0;
  let running: RunningHealthBilling | undefined;
  const parties = await startParties(
    overrides,
    async (env) => {
      running = await startHealthBilling(loadHealthBillingConfig(env), createLogger('health-billing-test', 'error'), {
        now: () => Date.now() + offsetMs,
      });
      return { address: `127.0.0.1:${running.grpcPort}`, stop: () => (running as RunningHealthBilling).stop() };
    },
    identityOverrides,
  );
  return {
    ...parties,
    healthBilling: running as unknown as RunningHealthBilling,
    setClockOffset(value) {
      offsetMs = value;
    },
  };
}

/**
 * Health billing starts in this process (its clock movable, to put a plan effective from yesterday), then
 * `runAsProcess` moves it into a process of its own. `overrides`: more of its environment.
 */
export async function startHealthBillingProcessHarness(
  overrides: Record<string, string> = {},
): Promise<HealthBillingProcessHarness> {
  const port = await freePort();
  let offsetMs = 0;
  let setup: RunningHealthBilling | undefined;
  let current: ServiceProcess | undefined;
  let env: Record<string, string> = {};
  const parties = await startParties({ HEALTH_BILLING_GRPC_PORT: String(port), ...overrides }, async (configured) => {
    env = configured;
    setup = await startHealthBilling(loadHealthBillingConfig(env), createLogger('health-billing-test', 'error'), {
      now: () => Date.now() + offsetMs,
    });
    return {
      address: `127.0.0.1:${port}`,
      async stop() {
        await setup?.stop();
        await current?.stop();
      },
    };
  });
  return {
    ...parties,
    get process() {
      return current;
    },
    setClockOffset(value) {
      offsetMs = value;
    },
    async kill() {
      const child = current?.child;
      current = undefined;
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    async runAsProcess() {
      assert.equal(current, undefined, 'health billing already runs as a process');
      await setup?.stop();
      setup = undefined;
      current = await startServiceProcess('health-billing', { ...env, LOG_LEVEL: overrides.LOG_LEVEL ?? 'info' });
    },
  };
}

async function startParties(
  overrides: Record<string, string>,
  start: (env: Record<string, string>) => Promise<Instance>,
  identityOverrides: Record<string, string> = {},
): Promise<HealthBillingParties> {
  const wallet = await startWalletHarness({}, {}, {}, identityOverrides);
  const clients: { close(): void }[] = [];
  const billingService = await wallet.service('health-billing', ['adjudicate:health-billing', 'refund:health-billing']);
  const bank = await wallet.service('bank', ['topup:bank']);
  const insurerService = await wallet.service(insurerName, [`insure:${insurerName}`]);
  await waitFor(async () => (await account('payer', insurerName)) !== undefined, 'payer account');
  const database: TestDatabase = await testPostgres();
  const env: Record<string, string> = {
    HEALTH_BILLING_GRPC_HOST: '127.0.0.1',
    HEALTH_BILLING_GRPC_PORT: '0',
    HEALTH_BILLING_DATABASE_URL: database.url,
    NATS_URL: wallet.identity.nats.url,
    HEALTH_BILLING_STREAM: uniqueName('health_billing').toUpperCase(),
    IDENTITY_STREAM: wallet.identity.config.IDENTITY_STREAM,
    IDENTITY_STATUS_BUCKET: wallet.identity.config.IDENTITY_STATUS_BUCKET,
    IDENTITY_ISSUER: wallet.identity.issuer,
    IDENTITY_JWKS_URL: `${wallet.identity.issuer}/jwks`,
    IDENTITY_TOKEN_URL: `${wallet.identity.issuer}/token`,
    HEALTH_BILLING_CLIENT_ID: billingService.name,
    HEALTH_BILLING_CLIENT_SECRET: billingService.clientSecret,
    HEALTH_BILLING_DATA_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
    HEALTH_BILLING_PAY_WITHIN_S: '30',
    HEALTH_BILLING_SWEEP_MS: '50',
    HEALTH_BILLING_OUTBOX_POLL_MS: '20',
    LOG_LEVEL: 'error',
    ...overrides,
  };
  const instance = await start(env);
  const address = instance.address;
  const db = createPool(database.url, { max: 4 });

  const tokenFor = async (clientId: string, clientSecret: string, scope: string): Promise<string> => {
    const response = await wallet.identity.clientCredentialsToken(
      clientId,
      clientSecret,
      'urn:citypass:health-billing',
      scope,
    );
    assert.equal(response.status, 200, `${clientId} token for ${scope}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const clientWith = (token: string): HealthBillingClient => {
    const client = promiseClient(HealthBillingServiceService, address, { metadata: () => bearer(token) });
    clients.push(client);
    return client;
  };
  const operatorSecret = wallet.identity.config.IDENTITY_OPERATOR_CLIENT_SECRET;
  const operator = clientWith(await tokenFor('operator', operatorSecret, 'health-billing:admin'));
  const addClinic = async (name: string): Promise<Clinic> => {
    const onboarded: ServiceClient = await wallet.service(name, [`bill:${name}`]);
    await waitFor(
      async () =>
        ((await db.query("SELECT 1 FROM parties WHERE name = $1 AND kind = 'clinic'", [name])).rowCount ?? 0) > 0,
      `clinic ${name} known to health billing`,
    );
    const token = await tokenFor(name, onboarded.clientSecret, `bill:${name}`);
    return { name, billing: clientWith(token), token };
  };
  const addInsurer = async (name: string): Promise<HealthBillingClient> => {
    const onboarded: ServiceClient = await wallet.service(name, [`insure:${name}`]);
    await waitFor(
      async () =>
        ((await db.query("SELECT 1 FROM parties WHERE name = $1 AND kind = 'insurer'", [name])).rowCount ?? 0) > 0,
      `insurer ${name} known to health billing`,
    );
    return clientWith(await tokenFor(name, onboarded.clientSecret, `insure:${name}`));
  };
  const clinic = await addClinic('riverside-clinic');
  const insurerBilling = clientWith(await tokenFor(insurerName, insurerService.clientSecret, `insure:${insurerName}`));
  await waitFor(
    async () =>
      ((await db.query("SELECT 1 FROM parties WHERE name = $1 AND kind = 'insurer'", [insurerName])).rowCount ?? 0) > 0,
    'insurer known to health billing',
  );
  let counter = 0;

  async function account(kind: string, owner: string): Promise<{ balance: bigint; held: bigint } | undefined> {
    const row = (
      await wallet.db.query<{ balance_minor: string; held_minor: string }>(
        "SELECT balance_minor, held_minor FROM accounts WHERE kind = $1 AND owner = $2 AND currency = 'EUR'",
        [kind, owner],
      )
    ).rows[0];
    return row === undefined ? undefined : { balance: BigInt(row.balance_minor), held: BigInt(row.held_minor) };
  }

  return {
    wallet,
    env,
    db,
    operator,
    insurer: insurerName,
    insurerBilling,
    clinic,
    addClinic,
    addInsurer,
    async patient(planId) {
      const created = await wallet.identity.operator.createResident({
        idempotencyKey: randomBytes(8).toString('hex'),
        givenName: 'Pat',
        familyName: 'Ient',
        birthDate: '1980-03-03',
        concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
        coveragePlanRef: planId,
      });
      const app = new ResidentApp(wallet.identity.issuer);
      const token = await app.enroll(created.enrollmentCode?.code ?? '', 'patient password 1');
      const issued = await app.requestCredential(token);
      assert.equal(issued.status, 200);
      const credential =
        ((await issued.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
      return {
        residentId: created.resident?.residentId ?? '',
        present: (audience, amountCap) =>
          createPresentation({
            credential,
            devicePrivateKey: app.deviceKey.privateKey,
            audience,
            counter: ++counter,
            nowMs: Date.now(),
            ...(amountCap ? { amountCap } : {}),
          }),
      };
    },
    async fundInsurer(amountMinor) {
      await bank.wallet.topUp({
        idempotencyKey: randomBytes(8).toString('hex'),
        residentId: '',
        payer: insurerName,
        amount: { amountMinor, currency: 'EUR' },
        fundingReference: `insurer-${randomBytes(4).toString('hex')}`,
      });
    },
    async topUp(patient, amountMinor) {
      await bank.wallet.topUp({
        idempotencyKey: randomBytes(8).toString('hex'),
        residentId: patient.residentId,
        amount: { amountMinor, currency: 'EUR' },
        fundingReference: `card-${randomBytes(4).toString('hex')}`,
      });
    },
    account,
    async stop() {
      for (const client of clients) client.close();
      await instance.stop();
      await db.end();
      await database.drop();
      await wallet.stop();
    },
  };
}
