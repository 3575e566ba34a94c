// The wallet's authorize throughput with scoring off and on, for bench/risk_scoring.ts: two wallet processes, each on
// a database of its own, running at once and loaded in turns, a slice each (64 in flight over gRPC, PostgreSQL
// commits), so that whatever else the machine does in a second falls on both alike. Phases of a fresh wallet each,
// one after the other, differed by 10-30 % in throughput from one phase to the next on this shared 2-core VM, more
// than the cost measured. "observe" stands for on: the engine decides, counts and stores every decision exactly as
// with "on" (the decision row is written in the hold's statement), but refuses nothing, so the traffic (brand-new
// phones paying in a burst, which the default rule set declines) stays the same authorizations in both wallets.
// gRPC, not NATS: both wallets serve the same NATS subjects in one queue group, so a request there could reach
// either; the authorize behind both transports is the same code.
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation } from '@citypass/credential';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, testPostgres } from '@citypass/platform/testing';
import { ResidentApp } from '@citypass/phone';
import type { IdentityHarness } from '../services/identity/test/harness.ts';
import { startServiceProcess } from '../test/support/service_process.ts';
import { postgresCpuOf, processCpuOf, type CpuMeter } from './cpu.ts';

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

/** A wallet of the bench's own: its process, its database (accounts opened, payers funded) and a gRPC client. */
interface BenchWallet {
  readonly risk: 'off' | 'observe';
  readonly client: ReturnType<typeof promiseClient<typeof WalletServiceService>>;
  readonly cpu: { readonly wallet: CpuMeter; readonly postgres: CpuMeter };
  /** Presentations made for its next load, used from the end (they live at most 60 s: made anew each time). */
  readonly presentations: string[];
  decisions(): Promise<number>;
  stop(): Promise<void>;
}

async function startBenchWallet(
  identity: IdentityHarness,
  phones: readonly Payer[],
  tokens: { readonly shop: string; readonly funding: string },
  risk: 'off' | 'observe',
): Promise<BenchWallet> {
  // Its own durable consumer of identity's stream, read from the start (the merchant accounts).
  const durable = `bench-wallet-${risk}-${randomBytes(4).toString('hex')}`;
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
      WALLET_IDENTITY_CONSUMER: durable,
      // startServiceProcess waits for the "wallet started" info line.
      LOG_LEVEL: 'info',
      WALLET_RISK: risk,
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
  const client = promiseClient(WalletServiceService, `127.0.0.1:${port}`, {
    metadata: () => bearer(tokens.shop),
  });
  const stop = async () => {
    client.close();
    await db.end().catch(() => undefined);
    await wallet.stop();
    const nc = await connect({ servers: identity.nats.url });
    await (await jetstreamManager(nc)).consumers.delete(identity.config.IDENTITY_STREAM, durable).catch(() => false);
    await nc.close();
    await database.drop();
  };
  try {
    await db.connect();
    while ((await db.query("SELECT 1 FROM accounts WHERE kind = 'merchant' AND owner = 'shop'")).rowCount === 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const fundingClient = promiseClient(WalletServiceService, `127.0.0.1:${port}`, {
      metadata: () => bearer(tokens.funding),
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
    return {
      risk,
      client,
      cpu: {
        wallet: processCpuOf(wallet.child.pid ?? -1),
        postgres: postgresCpuOf(new URL(database.url).pathname.slice(1)),
      },
      presentations: [],
      decisions: async () =>
        Number((await db.query<{ count: string }>('SELECT count(*) AS count FROM risk_decisions')).rows[0]?.count ?? 0),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `inFlight` callers authorizing on `wallet` until `untilMs` or `count` authorizations were made; how many were. */
async function load(wallet: BenchWallet, inFlight: number, untilMs: number, count: number): Promise<number> {
  let begun = 0;
  let made = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < untilMs && begun < count) {
        begun++;
        const presentation = wallet.presentations.pop();
        if (presentation === undefined) throw new Error('the bench made too few presentations ahead');
        await wallet.client.authorize(
          {
            idempotencyKey: randomBytes(12).toString('hex'),
            amount: { amountMinor: 100n, currency: 'EUR' },
            presentation,
            reference: '',
            holdTtlSeconds: 0,
            settlesTap: false,
          },
          { deadlineMs: Date.now() + 5_000 },
        );
        made++;
      }
    }),
  );
  return made;
}

/** Presentation counters, one sequence for the bench's phones. */
let presentationCounter = 0;

/**
 * `count` fresh presentations for `wallet`'s next load, made before it: made during a slice, their signatures'
 * CPU would run beside the wallets' on the same two cores.
 */
function stock(wallet: BenchWallet, phones: readonly Payer[], count: number): void {
  wallet.presentations.length = 0;
  for (let index = 0; index < count; index++) {
    const phone = phones[index % phones.length];
    if (phone === undefined) throw new Error('no phones');
    wallet.presentations.push(
      createPresentation({
        credential: phone.credential,
        devicePrivateKey: phone.app.deviceKey.privateKey,
        audience: 'shop',
        counter: ++presentationCounter,
        nowMs: Date.now(),
        ttlSeconds: 60,
      }),
    );
  }
}
/** One wallet's slice: authorizations made, in milliseconds. */
export interface Slice {
  readonly authorizations: number;
  readonly ms: number;
}

/** CPU milliseconds of a wallet process and of its database. */
export interface CpuMs {
  readonly wallet: number;
  readonly postgres: number;
}

/**
 * Both wallets (scoring off, and observe) started at once, each warmed with `warmupAuthorizations` unmeasured
 * authorizations (at most `warmupMaxMs`), then loaded in turns for `slices` slices of `sliceMs` each, the order
 * swapped every pair (off then scored, scored then off...). The other wallet idles meanwhile. Each one's CPU is
 * read from before the first slice to a moment after the last, so work a wallet left for later (its outbox relay,
 * shared outcomes, a decision flush), done while the other one was loaded, is counted as its own.
 */
export async function pairedAuthorizeRates(
  identity: IdentityHarness,
  phones: readonly Payer[],
  tokens: { readonly shop: string; readonly funding: string },
  options: {
    readonly sliceMs: number;
    readonly slices: number;
    readonly inFlight: number;
    readonly warmupAuthorizations: number;
    readonly warmupMaxMs: number;
  },
): Promise<{
  readonly pairs: readonly { readonly off: Slice; readonly scored: Slice }[];
  /** Authorizations each wallet made before its first slice. */
  readonly warmedUp: { readonly off: number; readonly scored: number };
  /** Decisions each wallet's database holds at the end: none with scoring off, one per authorization with it. */
  readonly decisions: { readonly off: number; readonly scored: number };
  /** Over all the slices (and what they left for later). */
  readonly cpuMs: { readonly off: CpuMs; readonly scored: CpuMs };
}> {
  const off = await startBenchWallet(identity, phones, tokens, 'off');
  let scored: BenchWallet | undefined;
  try {
    scored = await startBenchWallet(identity, phones, tokens, 'observe');
    const warmedUp = { off: 0, scored: 0 };
    // A fresh process runs its first few hundred authorizations in V8's interpreter and compiles the hot code on
    // the way (~10x the CPU of a warm one for the scoring code alone), which a running wallet has long done.
    for (const [wallet, side] of [
      [off, 'off'],
      [scored, 'scored'],
    ] as const) {
      stock(wallet, phones, options.warmupAuthorizations);
      warmedUp[side] = await load(
        wallet,
        options.inFlight,
        performance.now() + options.warmupMaxMs,
        options.warmupAuthorizations,
      );
    }
    const slice = async (wallet: BenchWallet): Promise<Slice> => {
      // Up to 4 authorizations a millisecond, above any rate reached on this machine.
      stock(wallet, phones, Math.ceil(options.sliceMs * 4));
      const started = performance.now();
      const authorizations = await load(wallet, options.inFlight, started + options.sliceMs, Infinity);
      return { authorizations, ms: performance.now() - started };
    };
    const cpu = (wallet: BenchWallet): CpuMs => ({
      wallet: wallet.cpu.wallet.read(),
      postgres: wallet.cpu.postgres.read(),
    });
    const cpuBefore = { off: cpu(off), scored: cpu(scored) };
    const pairs: { off: Slice; scored: Slice }[] = [];
    for (let index = 0; index < options.slices; index++) {
      if (index % 2 === 0) {
        const first = await slice(off);
        pairs.push({ off: first, scored: await slice(scored) });
      } else {
        const first = await slice(scored);
        pairs.push({ off: await slice(off), scored: first });
      }
    }
    // Longer than the outbox relay's and the shared outcomes' periods (50 and 250 ms).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const used = (wallet: BenchWallet, before: CpuMs): CpuMs => {
      const after = cpu(wallet);
      return { wallet: after.wallet - before.wallet, postgres: after.postgres - before.postgres };
    };
    const cpuMs = { off: used(off, cpuBefore.off), scored: used(scored, cpuBefore.scored) };
    return { pairs, warmedUp, cpuMs, decisions: { off: await off.decisions(), scored: await scored.decisions() } };
  } finally {
    await off.stop();
    await scored?.stop();
  }
}
