// What the wallet's commands need, built once in server.ts.
import type { PresentationVerifier } from '@citypass/credential';
import type { Idempotency } from '@citypass/platform/idempotency';
import type { Logger } from '@citypass/platform/log';
import type { Pool } from '@citypass/platform/pg';

export interface RiskLimits {
  readonly authorizationsPerMinute: number;
  readonly dailyLimitMinor: bigint;
  readonly credentialDailyLimitMinor: bigint;
}

export interface WalletDeps {
  readonly pool: Pool;
  readonly idempotency: Idempotency;
  readonly logger: Logger;
  readonly currencies: ReadonlySet<string>;
  /** Mandates: presentations addressed to the charging service, verified offline. */
  readonly mandates: PresentationVerifier;
  readonly risk: RiskLimits;
  readonly holdTtlDefaultS: number;
  readonly holdTtlMaxS: number;
  readonly now: () => number;
}

/** Who calls: an onboarded service charging on its own merchant account. */
export interface Caller {
  readonly service: string;
}
