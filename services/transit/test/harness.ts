// A real identity, wallet and transit in this process, each on its own database, sharing one nats-server: transit
// onboarded as the city's `transit` service, a gate client with its token, residents with phones and money.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ListGatesRequest, TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { createPresentation } from '@citypass/credential';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { createPool, type Pool } from '@citypass/platform/pg';
import { testPostgres, uniqueName, type TestDatabase } from '@citypass/platform/testing';
import { startWalletHarness, type Phone, type WalletHarness } from '../../wallet/test/harness.ts';
import { loadTransitConfig, type TransitConfig } from '../src/config.ts';
import { startTransit, type RunningTransit } from '../src/server.ts';

export interface TransitHarness {
  readonly wallet: WalletHarness;
  readonly config: TransitConfig;
  readonly database: TestDatabase;
  readonly db: Pool;
  readonly address: string;
  readonly transit: RunningTransit;
  /** Calls as the gate fleet `gates` (`gate:gates`), to which every gate is assigned. */
  readonly gates: PromiseClient<typeof TransitServiceService>;
  readonly gateToken: string;
  /** Calls as the operator (`transit:admin`), on the admin port when there is one. */
  readonly operator: PromiseClient<typeof TransitServiceService>;
  /** Calls with no token (residents read with a presentation in metadata). */
  readonly anonymous: PromiseClient<typeof TransitServiceService>;
  /** Transit's clock: real time plus this offset (tests move it ahead). */
  clockOffsetMs: number;
  now(): number;
  resident(fundsMinor?: bigint): Promise<Phone>;
  /** A presentation for a gate, made at transit's clock (or at `atMs`). */
  tapPresentation(phone: Phone): string;
  tapPresentationAt(phone: Phone, atMs: number): string;
  balance(phone: Phone): Promise<bigint>;
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Transit and the wallet share a clock that starts at 08:00 UTC tomorrow (mid-morning in Aurelia, far from the
 * 04:30 end of the service day, whenever the tests run) and that tests move ahead.
 */
export async function startTransitHarness(
  overrides: Record<string, string> = {},
  identityOverrides: Record<string, string> = {},
  options: {
    /** The wallet's environment (e.g. a small WALLET_MAX_QUEUED_WRITES). */
    readonly wallet?: Record<string, string>;
    /** How settlement waits out a backoff (a test records the delays instead of waiting them). */
    readonly sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<TransitHarness> {
  const tomorrow = new Date();
  tomorrow.setUTCHours(24 + 8, 0, 0, 0);
  const state = { clockOffsetMs: tomorrow.getTime() - Date.now() };
  const now = (): number => Date.now() + state.clockOffsetMs;
  // The wallet scores every fare with the default rule set (WALLET_RISK on): a resident's first phone is new but
  // not switched, so a new resident's first fares settle.
  const wallet = await startWalletHarness(options.wallet ?? {}, {}, { now }, identityOverrides);
  // What started so far, stopped in reverse if a later step fails: a test whose before() fails must not leave
  // servers running (its process would never exit and the test run would hang).
  const undo: (() => Promise<unknown>)[] = [() => wallet.stop()];
  try {
    const identity = wallet.identity;
    const onboarded = await identity.operator.onboardService({
      idempotencyKey: randomBytes(8).toString('hex'),
      name: 'transit',
      displayName: 'Aurelia Metro',
      contactEmail: 'ops@metro.example',
      // read: is the reconciliation's (ListHolds, GetHold): a token that can read transit's holds and move no money.
      extraScopes: ['settle:transit', 'refund:transit', 'read:transit'],
      jwksJson: '',
      location: undefined,
    });
    const database = await testPostgres();
    undo.push(() => database.drop());
    const config = loadTransitConfig({
      TRANSIT_GRPC_HOST: '127.0.0.1',
      TRANSIT_GRPC_PORT: '0',
      TRANSIT_DATABASE_URL: database.url,
      NATS_URL: identity.nats.url,
      TRANSIT_STREAM: uniqueName('TRANSIT'),
      WALLET_STREAM: wallet.config.WALLET_STREAM,
      TRANSIT_DENY_BUCKET: uniqueName('deny'),
      IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
      IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
      IDENTITY_ISSUER: identity.issuer,
      IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
      IDENTITY_TOKEN_URL: `${identity.issuer}/token`,
      TRANSIT_CLIENT_ID: 'transit',
      TRANSIT_CLIENT_SECRET: onboarded.clientSecret,
      TRANSIT_SETTLE_INTERVAL_MS: '60000',
      LOG_LEVEL: 'error',
      ...overrides,
    });
    const transit = await startTransit(config, createLogger('transit-test', 'error'), {
      now,
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });
    undo.push(() => transit.stop());
    const address = `127.0.0.1:${transit.grpcPort}`;
    const tokenFor = async (clientId: string, secret: string, scope: string): Promise<string> => {
      const response = await identity.clientCredentialsToken(clientId, secret, 'urn:citypass:transit', scope);
      assert.equal(response.status, 200, await response.clone().text());
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const fleet = await identity.operator.onboardService({
      idempotencyKey: randomBytes(8).toString('hex'),
      name: 'gates',
      displayName: 'Metro gates',
      contactEmail: 'gates@metro.example',
      extraScopes: ['gate:gates'],
      jwksJson: '',
      location: undefined,
    });
    const gateToken = await tokenFor('gates', fleet.clientSecret, 'gate:gates');
    const operatorToken = await tokenFor('operator', identity.config.IDENTITY_OPERATOR_CLIENT_SECRET, 'transit:admin');
    const gates = promiseClient(TransitServiceService, address, { metadata: () => bearer(gateToken) });
    // With TRANSIT_ADMIN_GRPC_PORT set the operator calls the admin port, as the console does when deployed.
    const operatorAddress = transit.adminGrpcPort === undefined ? address : `127.0.0.1:${transit.adminGrpcPort}`;
    const operator = promiseClient(TransitServiceService, operatorAddress, { metadata: () => bearer(operatorToken) });
    undo.push(() => {
      for (const client of [gates, operator]) client.close();
      return Promise.resolve();
    });
    const { gates: all } = await operator.listGates(ListGatesRequest.fromPartial({ pageSize: 500 }));
    await operator.assignGates({ reason: 'test setup', clientId: 'gates', gateIds: all.map((gate) => gate.gateId) });
    const anonymous = promiseClient(TransitServiceService, address);
    const db = createPool(database.url, { max: 4 });
    let counter = 0;

    return {
      wallet,
      config,
      database,
      db,
      address,
      transit,
      gates,
      gateToken,
      operator,
      anonymous,
      get clockOffsetMs() {
        return state.clockOffsetMs;
      },
      set clockOffsetMs(value) {
        state.clockOffsetMs = value;
      },
      now,
      async resident(fundsMinor = 10_000n) {
        const phone = await wallet.resident();
        if (fundsMinor > 0n) await wallet.topUp(phone, fundsMinor);
        return phone;
      },
      tapPresentation(phone) {
        return createPresentation({
          credential: phone.credential,
          devicePrivateKey: phone.app.deviceKey.privateKey,
          audience: 'transit',
          counter: ++counter,
          nowMs: now(),
        });
      },
      tapPresentationAt(phone, atMs) {
        return createPresentation({
          credential: phone.credential,
          devicePrivateKey: phone.app.deviceKey.privateKey,
          audience: 'transit',
          counter: ++counter,
          nowMs: atMs,
        });
      },
      async balance(phone) {
        const { rows } = await wallet.db.query<{ balance_minor: string }>(
          "SELECT balance_minor FROM accounts WHERE kind = 'resident' AND owner = $1 AND currency = 'EUR'",
          [phone.residentId],
        );
        return BigInt(rows[0]?.balance_minor ?? '0');
      },
      async settle() {
        await transit.settler.runOnce();
      },
      async stop() {
        for (const client of [gates, operator, anonymous]) client.close();
        await transit.stop();
        await db.end();
        await database.drop();
        await wallet.stop();
      },
    };
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw error;
  }
}
