// A clinic visit end to end, health billing and the wallet each running as its own process (identity, used for
// setup and tokens, runs in this one): check-in with the patient's presentation, two lines, finalize (adjudication
// under the member year's lock), pay (the patient's mandate verified, one split hold authorized and captured over
// NATS). Sequential, p50/p99 per call, per finalize-and-pay and per visit, next to the floor measured in the same
// run on the same processes: a bare gRPC unary call to health billing (grpc.health.v1 Check) plus the wallet's own
// authorize over NATS. Health billing's own histograms (scraped before and after) say where a visit's time goes:
// each RPC's server time and each wallet call's.
import { randomBytes } from 'node:crypto';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { createPresentation } from '@citypass/credential';
import { request } from '@citypass/platform/bus';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { freePort, testPostgres, uniqueName } from '@citypass/platform/testing';
import { HealthCheckRequest, HealthClient } from '@citypass/proto/grpc/health/v1/health';
import { HealthBillingServiceService } from '@citypass/proto/health_billing/v1/health_billing';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { AuthorizeRequest, WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { ResidentApp } from '@citypass/phone';
import { sampleCodes, sampleFees, samplePlan } from '../services/health-billing/src/app/sample_requests.ts';
import { loadHealthBillingConfig } from '../services/health-billing/src/config.ts';
import { startHealthBilling } from '../services/health-billing/src/server.ts';
import { startHarness } from '../services/identity/test/harness.ts';
import { startServiceProcess } from '../test/support/service_process.ts';
import { emit, isFloor, median, peakRssMb, percentile } from './lib.ts';

const clinicName = 'bench-clinic';
const insurerName = 'bench-health-fund';
const dayMs = 86_400_000;
const key = (): string => randomBytes(8).toString('hex');

export async function measureVisitFlow(bench: string): Promise<void> {
  const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 4_000);
  const patientCount = Number(process.env.BENCH_PATIENTS ?? 8);
  const identity = await startHarness({ LOG_LEVEL: 'error' });
  const walletDb = await testPostgres();
  const billingDb = await testPostgres();
  const walletPort = await freePort();
  const billingPort = await freePort();
  const billingMetricsPort = await freePort();
  const common = {
    NATS_URL: identity.nats.url,
    IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
    IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
    IDENTITY_ISSUER: identity.issuer,
    IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
  };
  const wallet = await startServiceProcess('wallet', {
    ...common,
    WALLET_GRPC_HOST: '127.0.0.1',
    WALLET_GRPC_PORT: String(walletPort),
    WALLET_DATABASE_URL: walletDb.url,
    WALLET_STREAM: uniqueName('WALLET'),
    LOG_LEVEL: 'info',
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '1000000',
    WALLET_RISK_DAILY_LIMIT_MINOR: '1000000000000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000000000000',
  });
  const walletRows = new pg.Client({ connectionString: walletDb.url });
  await walletRows.connect();
  const nc = await connect({ servers: identity.nats.url });
  let billing: Awaited<ReturnType<typeof startServiceProcess>> | undefined;
  const clients: { close(): void }[] = [];
  try {
    const onboard = (name: string, scopes: string[]) => identity.onboardWithToken(name, scopes, 'urn:citypass:wallet');
    const billingService = await onboard('health-billing', ['adjudicate:health-billing', 'refund:health-billing']);
    const clinic = await onboard(clinicName, [`bill:${clinicName}`]);
    await onboard(insurerName, [`insure:${insurerName}`]);
    const bank = await onboard('bank', ['topup:bank']);
    const hasAccount = async (kind: string, owner: string): Promise<boolean> =>
      ((await walletRows.query('SELECT 1 FROM accounts WHERE kind = $1 AND owner = $2', [kind, owner])).rowCount ?? 0) >
      0;
    while (!(await hasAccount('merchant', clinicName)) || !(await hasAccount('payer', insurerName)))
      await new Promise((resolve) => setTimeout(resolve, 50));
    const funding = promiseClient(WalletServiceService, `127.0.0.1:${walletPort}`, {
      metadata: () => bearer(bank.token),
    });
    clients.push(funding);
    const topUp = (residentId: string, payer: string): Promise<unknown> =>
      funding.topUp({
        idempotencyKey: key(),
        residentId,
        payer,
        amount: { amountMinor: 10n ** 11n, currency: 'EUR' },
        fundingReference: `bench-${key()}`,
      });
    await topUp('', insurerName);

    const env = {
      ...common,
      HEALTH_BILLING_GRPC_HOST: '127.0.0.1',
      HEALTH_BILLING_GRPC_PORT: String(billingPort),
      HEALTH_BILLING_DATABASE_URL: billingDb.url,
      HEALTH_BILLING_STREAM: uniqueName('HEALTH_BILLING'),
      IDENTITY_TOKEN_URL: `${identity.issuer}/token`,
      HEALTH_BILLING_CLIENT_ID: 'health-billing',
      HEALTH_BILLING_CLIENT_SECRET: billingService.clientSecret,
      HEALTH_BILLING_DATA_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
      LOG_LEVEL: 'info',
    };
    const billingAddress = `127.0.0.1:${billingPort}`;
    const tokenOf = async (clientId: string, secret: string, scope: string): Promise<string> =>
      (
        (await (
          await identity.clientCredentialsToken(clientId, secret, 'urn:citypass:health-billing', scope)
        ).json()) as {
          access_token: string;
        }
      ).access_token;
    // A plan takes effect from a later day than today: health billing runs here first with its clock two days
    // back to put the sample plan effective yesterday, then as its own process for the measurement.
    const setup = await startHealthBilling(loadHealthBillingConfig(env), createLogger('bench', 'error'), {
      now: () => Date.now() - 2 * dayMs,
    });
    try {
      const operatorToken = await tokenOf(
        'operator',
        identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
        'health-billing:admin',
      );
      const operator = promiseClient(HealthBillingServiceService, billingAddress, {
        metadata: () => bearer(operatorToken),
      });
      clients.push(operator);
      const billingRows = new pg.Client({ connectionString: billingDb.url });
      await billingRows.connect();
      try {
        while (
          ((
            await billingRows.query("SELECT 1 FROM parties WHERE name = ANY($1) AND kind IN ('clinic', 'insurer')", [
              [clinicName, insurerName],
            ])
          ).rowCount ?? 0) < 2
        )
          await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await billingRows.end();
      }
      await operator.putCodes({ idempotencyKey: key(), codes: sampleCodes() });
      await operator.putFeeSchedule({
        idempotencyKey: key(),
        clinic: clinicName,
        currency: 'EUR',
        entries: sampleFees(),
      });
      const yesterday = new Date(Date.now() - dayMs).toISOString().slice(0, 10);
      await operator.putPlan({ idempotencyKey: key(), plan: samplePlan(insurerName, yesterday) });
    } finally {
      await setup.stop();
    }
    billing = await startServiceProcess('health-billing', {
      ...env,
      METRICS_PORT: String(billingMetricsPort),
      // e.g. BENCH_BILLING_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/health-billing-profile' to see where it goes
      ...(process.env.BENCH_BILLING_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_BILLING_NODE_OPTIONS } : {}),
    });

    const patients = await Promise.all(
      Array.from({ length: patientCount }, async () => {
        const created = await identity.operator.createResident({
          idempotencyKey: key(),
          givenName: 'Bench',
          familyName: 'Patient',
          birthDate: '1980-01-01',
          concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
          coveragePlanRef: samplePlan(insurerName, '').planId,
        });
        const app = new ResidentApp(identity.issuer);
        const token = await app.enroll(created.enrollmentCode?.code ?? '', 'bench password 123');
        const credential =
          ((await (await app.requestCredential(token)).json()) as { credentials: { credential: string }[] })
            .credentials[0]?.credential ?? '';
        const residentId = created.resident?.residentId ?? '';
        await topUp(residentId, '');
        return { app, credential };
      }),
    );
    let counter = 0;
    const present = (index: number): string => {
      const patient = patients[index % patients.length];
      if (patient === undefined) throw new Error('no patients');
      return createPresentation({
        credential: patient.credential,
        devicePrivateKey: patient.app.deviceKey.privateKey,
        audience: clinicName,
        counter: ++counter,
        nowMs: Date.now(),
        ttlSeconds: 60,
      });
    };

    const clinicToken = await tokenOf(clinicName, clinic.clientSecret, `bill:${clinicName}`);
    const desk = promiseClient(HealthBillingServiceService, billingAddress, { metadata: () => bearer(clinicToken) });
    clients.push(desk);
    const timed = async <T>(into: number[], call: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await call();
      into.push(performance.now() - started);
      return result;
    };
    const times = {
      checkIn: [] as number[],
      addItem: [] as number[],
      finalize: [] as number[],
      pay: [] as number[],
      finalizeAndPay: [] as number[],
      visit: [] as number[],
    };
    const visit = async (index: number): Promise<void> => {
      const started = performance.now();
      const { bill } = await timed(times.checkIn, () =>
        desk.checkIn({ idempotencyKey: key(), presentation: present(index), plannedCodes: [] }),
      );
      const billId = bill?.billId ?? '';
      for (const [code, unitPriceMinor] of [
        ['GP-101', 5_000n],
        ['LB-402', 3_000n],
      ] as const)
        await timed(times.addItem, () =>
          desk.addChargeItem({
            idempotencyKey: key(),
            billId,
            code,
            serviceDate: '',
            quantity: 1,
            unitPriceMinor,
            note: '',
          }),
        );
      const paying = performance.now();
      await timed(times.finalize, () => desk.finalizeBill({ idempotencyKey: key(), billId }));
      const paid = await timed(times.pay, () =>
        desk.payBill({ idempotencyKey: key(), billId, presentation: present(index) }),
      );
      if (paid.bill?.holdId === '') throw new Error('a bench bill was not paid through the wallet');
      times.finalizeAndPay.push(performance.now() - paying);
      times.visit.push(performance.now() - started);
      // Untimed: reverse the visit, so the patient's next one (the bench cycles a few patients through the same two
      // codes on one day) is not refused by finalize's same-day duplicate check.
      await desk.voidBill({ idempotencyKey: key(), billId, reason: 'bench visit' });
    };

    const health = new HealthClient(billingAddress, grpcCredentials.createInsecure());
    clients.push(health);
    const check = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        health.check(HealthCheckRequest.fromPartial({ service: '' }), (error) => {
          if (error) reject(error);
          else resolve(performance.now() - started);
        });
      });
    const walletHeaders = { Authorization: `Bearer ${clinic.token}` };
    const authorize = async (index: number): Promise<number> => {
      const bytes = AuthorizeRequest.encode({
        idempotencyKey: key(),
        amount: { amountMinor: 100n, currency: 'EUR' },
        presentation: present(index),
        reference: '',
        holdTtlSeconds: 0,
        settlesTap: false,
      }).finish();
      const started = performance.now();
      await request(nc, 'wallet.v1.authorize', bytes, { deadlineMs: Date.now() + 5_000, headers: walletHeaders });
      return performance.now() - started;
    };

    // Warm every path (JIT, connections, tokens, the credential caches), then the floor, then the visits.
    for (let index = 0; index < 20; index++) await visit(index);
    for (let index = 0; index < 200; index++) await check();
    for (let index = 0; index < 50; index++) await authorize(index);
    for (const list of Object.values(times)) list.length = 0;
    const floorGrpc: number[] = [];
    const floorAuthorize: number[] = [];
    const floorEnd = performance.now() + phaseMs / 2;
    for (let index = 0; performance.now() < floorEnd; index++) {
      floorGrpc.push(await check());
      floorAuthorize.push(await authorize(index));
    }
    const before = await histograms(billingMetricsPort);
    const visitsEnd = performance.now() + phaseMs;
    for (let index = 0; performance.now() < visitsEnd; index++) await visit(index);
    const server = histogramDelta(before, await histograms(billingMetricsPort));

    const floorP50 = median(floorGrpc) + median(floorAuthorize);
    const floorP99 = percentile(floorGrpc, 99) + percentile(floorAuthorize, 99);
    const round = (value: number): number => Math.round(value * 100) / 100;
    emit({ bench, metric: 'floor_grpc_unary_p50_ms', value: round(median(floorGrpc)), unit: 'ms', ...isFloor });
    emit({
      bench,
      metric: 'floor_wallet_authorize_p50_ms',
      value: round(median(floorAuthorize)),
      unit: 'ms',
      ...isFloor,
    });
    emit({ bench, metric: 'floor_p50_ms', value: round(floorP50), unit: 'ms', samples: floorGrpc.length, ...isFloor });
    emit({ bench, metric: 'floor_p99_ms', value: round(floorP99), unit: 'ms', ...isFloor });
    const compared = (metric: string, values: readonly number[], goal?: number): void => {
      for (const [p, floor] of [
        [50, floorP50],
        [99, floorP99],
      ] as const) {
        const value = p === 50 ? median(values) : percentile(values, p);
        emit({
          bench,
          metric: `${metric}_p${p}_ms`,
          value: round(value),
          unit: 'ms',
          floor: round(floor),
          samples: values.length,
          ...(goal === undefined ? {} : { goal }),
        });
      }
    };
    compared('finalize_and_pay', times.finalizeAndPay, 3);
    compared('visit', times.visit);
    for (const [name, values] of [
      ['check_in', times.checkIn],
      ['add_charge_item', times.addItem],
      ['finalize', times.finalize],
      ['pay', times.pay],
    ] as const)
      compared(name, values);
    // Where the time goes, from health billing's side: mean server time per RPC and per wallet call.
    for (const [name, { sum, count }] of server)
      emit({
        bench,
        metric: `server_mean_ms_${name}`,
        value: round(count === 0 ? Number.NaN : sum / count),
        unit: 'ms',
        calls: count,
        floor: null,
        floor_missing: 'a part of a call above, for where the time goes; the floor is per call',
      });
    // Peak RSS (VmHWM) of health billing and the wallet over the run (issue 12: <= 150 MB per service).
    for (const [service, pid] of [
      ['health_billing', billing.child.pid],
      ['wallet', wallet.child.pid],
    ] as const)
      emit({
        bench,
        metric: `${service}_peak_rss_mb`,
        value: peakRssMb(pid ?? -1),
        unit: 'MB',
        floor: null,
        floor_missing: "no floor server runs here; bench/wallet_charges.ts prints the charge floor server's",
        goal_at_most: 150,
      });
  } finally {
    for (const client of clients) client.close();
    await billing?.stop();
    await nc.close();
    await walletRows.end();
    await wallet.stop();
    await billingDb.drop();
    await walletDb.drop();
    await identity.stop();
  }
}

type Totals = Map<string, { sum: number; count: number }>;

/** Health billing's duration histograms (sum and count) by RPC method, wallet operation and adjudication. */
async function histograms(port: number): Promise<Totals> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const totals: Totals = new Map();
  for (const line of text.split('\n')) {
    const match = /^(rpc_server_duration|citypass_health_billing_\w+?_duration)\w*_(sum|count)\{([^}]*)\} (\S+)$/.exec(
      line,
    );
    if (match === null) continue;
    const [, family = '', part, labels = '', value = '0'] = match;
    const subject = /rpc_method="[^"]*\/([^"]+)"/.exec(labels)?.[1] ?? /operation="([^"]+)"/.exec(labels)?.[1];
    const name =
      family === 'rpc_server_duration' ? `rpc_${subject ?? 'unknown'}` : `${family}${subject ? `_${subject}` : ''}`;
    const entry = totals.get(name) ?? { sum: 0, count: 0 };
    if (part === 'sum') entry.sum += Number(value);
    else entry.count += Number(value);
    totals.set(name, entry);
  }
  return totals;
}

function histogramDelta(before: Totals, after: Totals): Totals {
  const delta: Totals = new Map();
  for (const [name, { sum, count }] of after) {
    const earlier = before.get(name) ?? { sum: 0, count: 0 };
    if (count - earlier.count > 0) delta.set(name, { sum: sum - earlier.sum, count: count - earlier.count });
  }
  return delta;
}
