// `npm start`'s health billing sample (Aurelia's, services/health-billing/src/domain/sample.ts): the Riverside Clinic
// (bill:) and the city health fund (insure:) onboarded, the code catalogue, the clinic's fees and the fund's standard
// plan put through health billing's operator API, and the fund's payer account funded once. Every request keeps its
// idempotency key in the development secrets file, so a restart repeats the same requests and changes nothing. A plan
// version takes effect after the day it is put: on a fresh setup the sample plan covers visits from tomorrow on.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { HealthBillingServiceService } from '@citypass/proto/health_billing/v1/health_billing';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { isDomainError } from '@citypass/platform/errors';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { sampleCodes, sampleFees, samplePlan } from '../services/health-billing/src/app/sample_requests.ts';
import { sampleClinicId } from '../services/health-billing/src/domain/sample.ts';

export const sampleFundId = 'aurelia-health-fund';
/** What the fund's payer account is given once: 1,000,000.00 EUR. */
const fundFloatMinor = 100_000_000n;
const tokenUrl = 'http://127.0.0.1:7100/token';

export interface HealthSampleDeps {
  /** Onboards a city service once (its key kept) and returns its client secret. */
  onboard(name: string, displayName: string, extraScopes: string[]): Promise<string>;
  /** A value kept in the development secrets file, made by `make` the first time. */
  kept(name: string, make: () => string): string;
  readonly operatorSecret: string;
}

/** Sets the sample up and writes the clinic's and fund's secrets to `envFile` (0600); returns nothing else. */
export async function setUpHealthSample(deps: HealthSampleDeps, envFile: string): Promise<void> {
  const clinicSecret = await deps.onboard(sampleClinicId, 'Aurelia Riverside Clinic', [`bill:${sampleClinicId}`]);
  const fundSecret = await deps.onboard(sampleFundId, 'Aurelia Health Fund', [`insure:${sampleFundId}`]);
  const bankSecret = await deps.onboard('dev-bank', 'Development bank', ['topup:dev-bank']);
  writeFileSync(
    envFile,
    [
      'HEALTH_BILLING_ADDRESS=127.0.0.1:7400',
      `CLINIC_ID=${sampleClinicId}`,
      `CLINIC_SECRET=${clinicSecret}`,
      `HEALTH_FUND_ID=${sampleFundId}`,
      `HEALTH_FUND_SECRET=${fundSecret}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const key = (name: string): string => deps.kept(`HEALTH_SAMPLE_${name}_KEY`, () => randomBytes(16).toString('hex'));
  const operator = clientOf(HealthBillingServiceService, '127.0.0.1:7400', {
    clientId: 'operator',
    clientSecret: deps.operatorSecret,
    resource: 'urn:citypass:health-billing',
    scope: 'health-billing:admin',
  });
  const bank = clientOf(WalletServiceService, '127.0.0.1:7200', {
    clientId: 'dev-bank',
    clientSecret: bankSecret,
    resource: 'urn:citypass:wallet',
    scope: 'topup:dev-bank',
  });
  try {
    // Tomorrow on the first start; the same date (and so the same request) on every later one.
    const effectiveFrom = deps.kept('HEALTH_SAMPLE_PLAN_FROM', () =>
      new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
    );
    await untilAccepted(() => operator.putCodes({ idempotencyKey: key('CODES'), codes: sampleCodes() }));
    await untilAccepted(() =>
      operator.putFeeSchedule({
        idempotencyKey: key('FEES'),
        clinic: sampleClinicId,
        currency: 'EUR',
        entries: sampleFees(),
      }),
    );
    await untilAccepted(() =>
      operator.putPlan({ idempotencyKey: key('PLAN'), plan: samplePlan(sampleFundId, effectiveFrom) }),
    );
    await untilAccepted(() =>
      bank.topUp({
        idempotencyKey: key('FUND_FLOAT'),
        residentId: '',
        payer: sampleFundId,
        amount: { amountMinor: fundFloatMinor, currency: 'EUR' },
        fundingReference: 'dev-health-fund-float',
      }),
    );
  } finally {
    operator.close();
    bank.close();
  }
}

function clientOf<D extends Parameters<typeof promiseClient>[0]>(
  definition: D,
  address: string,
  options: { clientId: string; clientSecret: string; resource: string; scope: string },
) {
  const credentials = new ClientCredentials({ tokenUrl, ...options });
  return promiseClient(definition, address, { metadata: async () => bearer(await credentials.token()) });
}

/**
 * Repeats a request while the services are still starting or have not learnt of the new parties yet (health
 * billing and the wallet hear of onboarded services over NATS); invalid requests and other refusals are final.
 */
async function untilAccepted(call: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (error) {
      const retry = isDomainError(error)
        ? ['unavailable', 'failed_precondition', 'not_found', 'unauthenticated', 'permission_denied'].includes(
            error.kind,
          )
        : (error as { code?: unknown }).code === 14;
      if (attempt >= 120 || !retry) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
