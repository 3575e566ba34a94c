// JetStream stream and KV bucket names' defaults (each service's config may override them; all services must
// agree on the values they share).

/** One event stream per service, holding its `<svc>.v1.events.>` subjects. */
export const defaultStreamNames = {
  identity: 'IDENTITY_EVENTS',
  wallet: 'WALLET_EVENTS',
  transit: 'TRANSIT_EVENTS',
  healthBilling: 'HEALTH_BILLING_EVENTS',
} as const;

/** The risk outcomes wallet instances share (wallet.v1.risk.outcomes), kept minutes: see the wallet's README. */
export const walletRiskOutcomesStream = 'WALLET_RISK_OUTCOMES';

export const defaultBucketNames = {
  /** Revoked credential ids, written by identity, watched by gates and services. */
  credentialStatus: 'citypass_credential_status',
  /** Denied resident ids (unpaid fares), written by transit, watched by gates. */
  transitDeny: 'citypass_transit_deny',
} as const;
