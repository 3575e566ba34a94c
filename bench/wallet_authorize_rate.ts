// The wallet's authorize throughput (NATS request/reply, many in flight, PostgreSQL commits, the wallet as its own
// process) with a given WALLET_RISK, for bench/risk_scoring.ts to compare scoring off with scoring on. "observe"
// stands for on: the engine decides, counts and stores every decision exactly as with "on" (the decision row is
// written in the hold's statement), but refuses nothing, so the traffic (brand-new phones paying in a burst, which
// the default rule set declines) stays the same authorizations in both runs.
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { AuthorizeRequest, WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation } from '@citypass/credential';
import { request } from '@citypass/platform/bus';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, testPostgres } from '@citypass/platform/testing';
import { ResidentApp } from '@citypass/phone';
import type { IdentityHarness } from '../services/identity/test/harness.ts';
import { startServiceProcess } from '../test/support/service_process.ts';
import { cpuPerOperation, postgresCpuOf, processCpuOf } from './cpu.ts';

export interface Payer {
  readonly residentId: string;
  readonly app: ResidentApp;
  readonly credential: string;
}

export interface BenchServices {
  /** Fresh access tokens of both (a token lives five minutes, a bench of several rounds longer). */
  tokens(): Promise<{ readonly shop: string; readonly funding: string }>;
}

/** The shop charged and the funding client, onboarded once: each wallet opens their accounts from identity's stream. */
export async function benchServices(identity: IdentityHarness): Promise<BenchServices> {
  const resource = 'urn:citypass:wallet';
  const onboard = async (name: string, extra: string[]): Promise<() => Promise<string>> => {
    const { clientSecret, token } = await identity.onboardWithToken(name, extra, resource);
    // The scopes granted at onboarding, as the first token carries them.
    const { scope } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { scope: string };
    return async () => {
      const response = await identity.clientCredentialsToken(name, clientSecret, resource, scope);
      if (response.status !== 200) throw new Error(`${name} token: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { access_token: string }).access_token;
    };
  };
  const shop = await onboard('shop', []);
  const funding = await onboard('funding', ['topup:funding']);
  return { tokens: async () => ({ shop: await shop(), funding: await funding() }) };
}

export async function payers(identity: IdentityHarness, count: number): Promise<Payer[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const created = await identity.operator.createResident({
        idempotencyKey: randomBytes(8).toString('hex'),
        givenName: 'Bench',
        familyName: 'Payer',
        birthDate: '1990-01-01',
        concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
        coveragePlanRef: '',
      });
      const app = new ResidentApp(identity.issuer);
      const token = await app.enroll(created.enrollmentCode?.code ?? '', 'bench password 123');
      const credential =
        ((await (await app.requestCredential(token)).json()) as { credentials: { credential: string }[] })
          .credentials[0]?.credential ?? '';
      return { residentId: created.resident?.residentId ?? '', app, credential };
    }),
  );
}

/**
 * Authorizations per second with `inFlight` in flight for `phaseMs`, on a fresh wallet and database, after
 * `warmupAuthorizations` unmeasured ones.
 */
export async function authorizeRate(
  identity: IdentityHarness,
  phones: readonly Payer[],
  tokens: { readonly shop: string; readonly funding: string },
  options: {
    readonly risk: 'off' | 'observe';
    readonly phaseMs: number;
    readonly inFlight: number;
    /** Authorizations made before the measured phase (for at most `warmupMaxMs`), not counted in its figures. */
    readonly warmupAuthorizations: number;
    readonly warmupMaxMs: number;
  },
): Promise<{
  readonly perSecond: number;
  /** In the measured phase. */
  readonly authorizations: number;
  /** Before it, to warm the wallet up. */
  readonly warmedUp: number;
  readonly decisions: number;
  /** CPU microseconds per authorization of the wallet process and of its database (null when unmeasurable). */
  readonly cpuUs: { readonly wallet: number | null; readonly postgres: number | null };
}> {
  const nc = await connect({ servers: identity.nats.url });
  // Each wallet reads identity's stream from its start (merchant accounts): its durable consumer is made anew.
  await (await jetstreamManager(nc)).consumers
    .delete(identity.config.IDENTITY_STREAM, 'wallet-accounts')
    .catch(() => false);
  const database = await testPostgres();
  const port = await freePort();
  const wallet = await startServiceProcess(
    'wallet',
    {
      WALLET_GRPC_HOST: '127.0.0.1',
      WALLET_GRPC_PORT: String(port),
      WALLET_DATABASE_URL: database.url,
      NATS_URL: identity.nats.url,
      IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
      IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
      IDENTITY_ISSUER: identity.issuer,
      IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
      // startServiceProcess waits for the "wallet started" info line.
      LOG_LEVEL: 'info',
      WALLET_RISK: options.risk,
      WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '1000000',
      WALLET_RISK_DAILY_LIMIT_MINOR: '1000000000000',
      WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000000000000',
      // e.g. BENCH_WALLET_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to see where the wallet's CPU goes
      ...(process.env.BENCH_WALLET_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WALLET_NODE_OPTIONS } : {}),
      // e.g. BENCH_WALLET_ENV='{"WALLET_RISK_SHARE":"off"}' to price one part of scoring by turning it off
      ...(process.env.BENCH_WALLET_ENV ? (JSON.parse(process.env.BENCH_WALLET_ENV) as Record<string, string>) : {}),
    },
    60_000,
  );
  const db = new pg.Client({ connectionString: database.url });
  try {
    await db.connect();
    const headers = { Authorization: `Bearer ${tokens.shop}` };
    const fundingToken = tokens.funding;
    while ((await db.query("SELECT 1 FROM accounts WHERE kind = 'merchant' AND owner = 'shop'")).rowCount === 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const fundingClient = promiseClient(WalletServiceService, `127.0.0.1:${port}`, {
      metadata: () => bearer(fundingToken),
    });
    for (const phone of phones) {
      await fundingClient.topUp({
        idempotencyKey: randomBytes(8).toString('hex'),
        residentId: phone.residentId,
        amount: { amountMinor: 10n ** 11n, currency: 'EUR' },
        fundingReference: `bench-${phone.residentId}`,
      });
    }
    fundingClient.close();
    let counter = 0;
    const batch = Array.from({ length: 20_000 }, (_, index) => {
      const phone = phones[index % phones.length];
      if (phone === undefined) throw new Error('no phones');
      return createPresentation({
        credential: phone.credential,
        devicePrivateKey: phone.app.deviceKey.privateKey,
        audience: 'shop',
        counter: ++counter,
        nowMs: Date.now(),
        ttlSeconds: 60,
      });
    });
    // `inFlight` callers authorizing until `untilMs` or `count` authorizations were made; how many were.
    const load = async (untilMs: number, count: number): Promise<number> => {
      let made = 0;
      await Promise.all(
        Array.from({ length: options.inFlight }, async () => {
          while (performance.now() < untilMs && made < count && batch.length > 0) {
            const bytes = AuthorizeRequest.encode({
              idempotencyKey: randomBytes(12).toString('hex'),
              amount: { amountMinor: 100n, currency: 'EUR' },
              presentation: batch.pop() ?? '',
              reference: '',
              holdTtlSeconds: 0,
              settlesTap: false,
            }).finish();
            await request(nc, 'wallet.v1.authorize', bytes, { deadlineMs: Date.now() + 5_000, headers });
            made++;
          }
        }),
      );
      return made;
    };
    // Unmeasured: a fresh process runs its first few hundred authorizations in V8's interpreter and compiles the
    // hot code on the way (~10x the CPU of a warm one for the scoring code alone), which a running wallet has long
    // done; measured without it, a short phase prices the compiler more than the code.
    const warmedUp = await load(performance.now() + options.warmupMaxMs, options.warmupAuthorizations);
    const cpu = cpuPerOperation({
      wallet: processCpuOf(wallet.child.pid ?? -1),
      postgres: postgresCpuOf(new URL(database.url).pathname.slice(1)),
    });
    const started = performance.now();
    const authorizations = await load(started + options.phaseMs, Number.POSITIVE_INFINITY);
    const perSecond = authorizations / ((performance.now() - started) / 1000);
    const [walletCpu, postgresCpu] = cpu.end('risk_scoring', 'authorize', authorizations);
    const decisions = Number(
      (await db.query<{ count: string }>('SELECT count(*) AS count FROM risk_decisions')).rows[0]?.count ?? 0,
    );
    return {
      perSecond,
      authorizations,
      warmedUp,
      decisions,
      cpuUs: { wallet: walletCpu?.value ?? null, postgres: postgresCpu?.value ?? null },
    };
  } finally {
    await db.end().catch(() => undefined);
    await wallet.stop();
    await nc.close();
    await database.drop();
  }
}
