// A real identity and a real wallet in this process, on their own databases and their own nats-server, plus the
// clients a wallet test needs: residents with phones, onboarded services with tokens, a funding client.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation, type AmountCap } from '@citypass/credential';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { createPool, type Pool } from '@citypass/platform/pg';
import { testPostgres, type TestDatabase } from '@citypass/platform/testing';
import { startHarness, type IdentityHarness } from '../../identity/test/harness.ts';
import { ResidentApp } from '@citypass/phone';
import { operatorScopes, resources } from '@citypass/contracts';
import { loadWalletConfig, type WalletConfig } from '../src/config.ts';
import { startWallet, type RunningWallet, type WalletClock } from '../src/server.ts';

export interface Phone {
  readonly residentId: string;
  readonly app: ResidentApp;
  readonly credential: string;
  /** A fresh presentation for `audience`, each with a new nonce and a higher counter. */
  present(audience: string, amountCap?: AmountCap): string;
}

export interface ServiceClient {
  readonly name: string;
  /** For tokens with fewer scopes than it was onboarded with. */
  readonly clientSecret: string;
  readonly token: string;
  readonly wallet: PromiseClient<typeof WalletServiceService>;
}

export interface WalletHarness {
  readonly identity: IdentityHarness;
  readonly config: WalletConfig;
  readonly database: TestDatabase;
  /** A direct pool on the wallet database, for assertions on the ledger itself. */
  readonly db: Pool;
  readonly address: string;
  wallet: RunningWallet;
  resident(): Promise<Phone>;
  /** The same resident on a new phone: a new device key signs in and is issued a credential (the old is replaced). */
  newPhone(phone: Phone): Promise<Phone>;
  service(name: string, extraScopes?: string[]): Promise<ServiceClient>;
  topUp(phone: Phone, amountMinor: bigint): Promise<void>;
  /** Stops the wallet and starts it again on the same database, port and broker. */
  restartWallet(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `nats`: broker users and permissions; identity and the wallet connect as the users named. `clock`: the wallet's
 * clock (identity keeps the real one), e.g. running ahead so that presentations made now are old to the wallet.
 * `identityOverrides`: identity's environment (e.g. the console's client secret and redirect URIs).
 */
export async function startWalletHarness(
  overrides: Record<string, string> = {},
  nats: { config?: string; identityUser?: string; walletUser?: string } = {},
  clock: WalletClock = {},
  identityOverrides: Record<string, string> = {},
): Promise<WalletHarness> {
  const identity = await startHarness(identityOverrides, {
    ...(nats.config === undefined ? {} : { natsConfig: nats.config }),
    ...(nats.identityUser === undefined ? {} : { natsUser: nats.identityUser }),
  });
  const database = await testPostgres();
  const config = loadWalletConfig({
    WALLET_GRPC_HOST: '127.0.0.1',
    WALLET_GRPC_PORT: '0',
    WALLET_DATABASE_URL: database.url,
    NATS_URL:
      nats.walletUser === undefined
        ? identity.nats.url
        : identity.nats.url.replace('nats://', `nats://${nats.walletUser}@`),
    IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
    IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
    IDENTITY_ISSUER: identity.issuer,
    IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
    LOG_LEVEL: 'error',
    ...overrides,
  });
  const logger = createLogger('wallet-test', 'error');
  let wallet: RunningWallet;
  try {
    wallet = await startWallet(config, logger, clock);
  } catch (error) {
    await database.drop().catch(() => undefined);
    await identity.stop();
    throw error;
  }
  const fixedPort = { ...config, WALLET_GRPC_PORT: wallet.grpcPort };
  const address = `127.0.0.1:${wallet.grpcPort}`;
  const db = createPool(database.url, { max: 4 });
  const clients: { close(): void }[] = [];
  let counter = 0;
  const residentPassword = 'resident password 1';
  /** The phone `app` is once a credential is issued to it with `token`. */
  const phoneOf = async (residentId: string, app: ResidentApp, token: string): Promise<Phone> => {
    const issued = await app.requestCredential(token);
    assert.equal(issued.status, 200);
    const credential =
      ((await issued.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
    return {
      residentId,
      app,
      credential,
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
  };

  const service = async (name: string, extraScopes: string[] = []): Promise<ServiceClient> => {
    const { clientSecret, token } = await identity.onboardWithToken(name, extraScopes, 'urn:citypass:wallet');
    // One merchant account per configured currency.
    await waitFor(
      async () =>
        ((await db.query("SELECT 1 FROM accounts WHERE kind = 'merchant' AND owner = $1", [name])).rowCount ?? 0) >= 1,
      `${name} merchant account`,
    );
    const client = promiseClient(WalletServiceService, address, { metadata: () => bearer(token) });
    clients.push(client);
    return { name, clientSecret, token, wallet: client };
  };
  // The promise, so top-ups started together onboard the funding client once.
  let funding: Promise<ServiceClient> | undefined;

  return {
    identity,
    config,
    database,
    db,
    address,
    get wallet() {
      return wallet;
    },
    set wallet(value) {
      wallet = value;
    },
    async resident() {
      const created = await identity.operator.createResident({
        idempotencyKey: randomBytes(8).toString('hex'),
        givenName: 'Resi',
        familyName: 'Dent',
        birthDate: '1985-05-05',
        concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
        coveragePlanRef: '',
      });
      const app = new ResidentApp(identity.issuer);
      const token = await app.enroll(created.enrollmentCode?.code ?? '', residentPassword);
      return phoneOf(created.resident?.residentId ?? '', app, token);
    },
    async newPhone(phone) {
      const app = new ResidentApp(identity.issuer);
      return phoneOf(phone.residentId, app, await app.login(phone.residentId, residentPassword));
    },
    service,
    async topUp(phone, amountMinor) {
      funding ??= service('funding', ['topup:funding']);
      await (await funding).wallet.topUp({
        idempotencyKey: randomBytes(8).toString('hex'),
        residentId: phone.residentId,
        amount: { amountMinor, currency: 'EUR' },
        fundingReference: `card-${randomBytes(4).toString('hex')}`,
      });
    },
    async restartWallet() {
      await wallet.stop();
      wallet = await startWallet(fixedPort, logger, clock);
    },
    async stop() {
      for (const client of clients) client.close();
      await wallet.stop();
      await db.end();
      await database.drop();
      await identity.stop();
    },
  };
}

/** A token of identity's own operator client for the wallet's operator scopes (client credentials). */
export async function walletOperatorToken(identity: IdentityHarness): Promise<string> {
  const response = await identity.clientCredentialsToken(
    'operator',
    identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
    resources.wallet,
    operatorScopes.wallet,
  );
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
