// What the wallet's commands need, built once in server.ts.
import type { WalletScopeVerb } from '@citypass/contracts';
import type { PresentationVerifier, ServiceSuspensions } from '@citypass/credential';
import type { KeyQueue } from '@citypass/platform/key_queue';
import type { Logger } from '@citypass/platform/log';
import type { AuthorizationCounter } from './authorization_counts.ts';
import type { PromotionLimits, RiskRulesSync } from './risk_rule_sets.ts';
import type { PastTaps } from './risk_shadow_report.ts';
import type { RecentHolds } from './recent_holds.ts';
import type { RiskScoring } from './risk_scoring.ts';
import type { WalletStore } from './store.ts';

export interface RiskLimits {
  readonly authorizationsPerMinute: number;
  readonly dailyLimitMinor: bigint;
  readonly credentialDailyLimitMinor: bigint;
}

export interface WalletDeps {
  readonly store: WalletStore;
  /** Writes to one resident's account, one at a time per wallet process, before they take a connection. */
  readonly accounts: KeyQueue;
  readonly logger: Logger;
  readonly currencies: ReadonlySet<string>;
  /** Mandates: presentations addressed to the charging service, verified offline. */
  readonly mandates: PresentationVerifier;
  readonly risk: RiskLimits;
  /** The risk engine, scoring every authorization and charge; undefined with WALLET_RISK=off. */
  readonly riskScoring: RiskScoring | undefined;
  /** What promoting a candidate risk rule set asks of its shadow tally. */
  readonly riskPromotion: PromotionLimits;
  /** Transit's past taps for backtests; undefined when scoring is off or no station is placed. */
  readonly pastTaps: PastTaps | undefined;
  /** This instance's engine brought in step with the stored rule sets (a no-op with WALLET_RISK=off). */
  readonly riskRules: RiskRulesSync;
  /** Holds this process authorized, so their capture or void reads no hold first (recent_holds.ts). */
  readonly recentHolds: RecentHolds;
  readonly holdTtlDefaultS: number;
  readonly holdTtlMaxS: number;
  readonly tapSettlement: TapSettlement;
  /** Authorizations approved and declined, counted in memory (workers/authorization_counts_flush.ts). */
  readonly counts: AuthorizationCounter;
  /** Services an operator suspended (identity's events): refused before their tokens expire (app/callers.ts). */
  readonly suspensions: ServiceSuspensions;
  readonly now: () => number;
}

/** How far from now a tap's presentation may have been issued for a charge to settle it. */
export interface TapSettlement {
  /** The oldest tap that still settles. */
  readonly windowMs: number;
  /** How far ahead of the wallet's clock a tap may be; the same skew the mandate verifier allows. */
  readonly clockSkewMs: number;
}

/** Who calls: an onboarded service charging on its own merchant account. */
export interface Caller {
  readonly service: string;
  /** The verbs its token grants on its own account (`<verb>:<service>` scopes). */
  readonly verbs: ReadonlySet<Verb>;
}

/** What a service's wallet scopes (`<verb>:<service>`) let it do. */
export type Verb = WalletScopeVerb;
