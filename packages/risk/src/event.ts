// What the engine scores: one authorization (a shop or online payment, a gate's fare, a clinic bill line) with the
// facts the caller already checked about its presentation. Money stays bigint minor units here; the engine turns an
// amount into a number only for its features.

export const channels = ['gate', 'shop', 'online', 'clinic'] as const;
export type Channel = (typeof channels)[number];

/** A point in the city, in kilometres from its south-west corner. */
export type Place = { readonly xKm: number; readonly yKm: number };

export type ClinicLine = {
  readonly serviceCode: string;
  readonly quantity: number;
  /** The catalogue's maximum quantity of this code per visit. */
  readonly catalogueMaxQuantity: number;
};

export type RiskEvent = {
  readonly atMs: number;
  readonly channel: Channel;
  readonly residentId: string;
  readonly deviceId: string;
  readonly credentialId: string;
  /** When this device was bound to the resident: the credential's issue time, from identity. */
  readonly deviceBoundAtMs: number;
  /** The shop, the transit operator's gate or the clinic that charges. */
  readonly merchantId: string;
  /** The merchant category the thresholds and the amount z-score are kept per ('fare', 'grocery', 'clinic', ...). */
  readonly category: string;
  readonly amountMinor: bigint;
  /** Where it happened: a station, a shop; none online. */
  readonly place: Place | null;
  /** The gate's station, for taps. */
  readonly stationId: string | null;
  /** The concession class the credential presents ('adult', 'student', 'senior', ...). */
  readonly concession: string;
  /** The highest fare of one journey, for gate fares. */
  readonly maxFareMinor: bigint | null;
  readonly credentialRevoked: boolean;
  readonly presentationReplayed: boolean;
  /** The presentation was signed by the key bound in the credential (cnf). */
  readonly deviceKeyMatches: boolean;
  readonly merchantCapabilityEnabled: boolean;
  readonly clinicLine: ClinicLine | null;
};

/**
 * The facts of a payment whose presentation the caller has verified (not revoked, not replayed, signed by the
 * credential's own key, the merchant's capability on) and that carries no station, fare maximum or clinic line:
 * what the benches and tests spread under the fields they set, so a new field of RiskEvent is given once.
 */
export const verifiedPaymentFacts = {
  stationId: null,
  maxFareMinor: null,
  credentialRevoked: false,
  presentationReplayed: false,
  deviceKeyMatches: true,
  merchantCapabilityEnabled: true,
  clinicLine: null,
} as const satisfies Partial<RiskEvent>;

/**
 * A gate tap the engine learns without scoring it (transit's recorded taps, followed by the wallet): where the
 * resident's credential was, for judging travel to the next tap or payment.
 */
export type GateTap = {
  readonly atMs: number;
  readonly residentId: string;
  /** The concession class the credential presented. */
  readonly concession: string;
  readonly place: Place;
  readonly stationId: string;
};
