// NATS subjects: `<svc>.v1.<verb>` for request/reply, `<svc>.v1.events.<aggregate>.<event>` for events. Payloads
// are the protobuf messages of proto/citypass/<svc>/v1.

/** Request/reply subjects the wallet serves; the caller's token carries `charge:<service>` (refund: `refund:`). */
export const walletRequestSubjects = {
  authorize: 'wallet.v1.authorize',
  capture: 'wallet.v1.capture',
  /** Authorize and capture in one request, for a caller that knows the final amount. */
  charge: 'wallet.v1.charge',
  void: 'wallet.v1.void',
  refund: 'wallet.v1.refund',
} as const;

export const identityEventSubjects = {
  all: 'identity.v1.events.>',
  credentialIssued: 'identity.v1.events.credential.issued',
  credentialRevoked: 'identity.v1.events.credential.revoked',
  serviceOnboarded: 'identity.v1.events.service.onboarded',
  serviceSuspended: 'identity.v1.events.service.suspended',
  serviceResumed: 'identity.v1.events.service.resumed',
} as const;

export const walletEventSubjects = {
  all: 'wallet.v1.events.>',
  accountOpened: 'wallet.v1.events.account.opened',
  toppedUp: 'wallet.v1.events.account.topped_up',
  /** A payer's (an insurer's) top-up: apart from residents', whose consumers read resident_id. */
  payerToppedUp: 'wallet.v1.events.payer.topped_up',
  holdAuthorized: 'wallet.v1.events.hold.authorized',
  holdCaptured: 'wallet.v1.events.hold.captured',
  holdVoided: 'wallet.v1.events.hold.voided',
  holdExpired: 'wallet.v1.events.hold.expired',
  holdRefunded: 'wallet.v1.events.hold.refunded',
} as const;

/**
 * The risk outcomes wallet instances share with each other (RiskOutcomeRecorded, stream WALLET_RISK_OUTCOMES): outside
 * `wallet.v1.events.>`, as no other service reads them and they are kept minutes, not for good.
 */
export const walletRiskSubjects = {
  outcomes: 'wallet.v1.risk.outcomes',
} as const;

export const transitEventSubjects = {
  all: 'transit.v1.events.>',
  journeySettled: 'transit.v1.events.journey.settled',
  denyListChanged: 'transit.v1.events.deny_list.changed',
  /** A tap a gate opened for, once recorded (TapRecorded): published after the gate's answer, not by the outbox. */
  tapRecorded: 'transit.v1.events.tap.recorded',
} as const;

/** Health billing's events carry ids and money only, never codes, descriptions or diagnoses. */
export const healthBillingEventSubjects = {
  all: 'health_billing.v1.events.>',
  billFinalized: 'health_billing.v1.events.bill.finalized',
  billPaid: 'health_billing.v1.events.bill.paid',
  billVoided: 'health_billing.v1.events.bill.voided',
  billCorrected: 'health_billing.v1.events.bill.corrected',
} as const;

/**
 * Live views' feeds (core NATS, not JetStream: nothing stores them, a message nobody listens to is gone). Outside
 * `<svc>.v1.events.>`, so the services' streams do not capture them. Payloads: wallet.proto AuthorizationsCounted,
 * transit.proto TapDecided and SettlementBacklog.
 */
export const liveSubjects = {
  walletAuthorizations: 'wallet.v1.live.authorizations',
  transitTaps: 'transit.v1.live.taps',
  transitSettlement: 'transit.v1.live.settlement',
} as const;
