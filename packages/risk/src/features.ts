// The closed list of features a rule may name. A feature is a number (a yes/no is 1 or 0); the engine fills one
// Float64Array per decision, indexed by position in this list.

import { merchantAgeCapDays } from './horizon.ts';

export const featureNames = [
  // Facts about the presentation and the block lists (hard rules).
  'credential_revoked',
  'presentation_replayed',
  'device_key_mismatch',
  'merchant_capability_disabled',
  'resident_blocked',
  'device_blocked',
  'merchant_blocked',
  // The payment itself.
  'is_gate',
  'fare_within_maximum',
  'amount_minor',
  'amount_zscore',
  // Decaying totals (1 h, 24 h, 30 d half-lives) before this event.
  'resident_count_1h',
  'resident_count_24h',
  'resident_count_30d',
  'resident_amount_1h',
  'resident_amount_24h',
  'resident_amount_30d',
  'device_count_1h',
  'device_count_24h',
  'merchant_count_1h',
  'merchant_count_24h',
  'resident_merchant_count_24h',
  // The last few events.
  'recent_events_10min',
  'minutes_since_last_event',
  'place_speed_kmh',
  // First-seen times and linking. device_switched: the resident paid before from another device (a phone bound to
  // someone already known, as a thief's is); a resident's first and only phone is new but not switched.
  'device_age_days',
  'device_switched',
  'merchant_new_for_resident',
  'residents_per_device',
  'merchant_new_resident_share_today',
  'merchant_residents_today',
  // Days since the merchant's first payment: on its first day every resident is new to it.
  'merchant_age_days',
  // The last gate tap (impossible travel).
  'tap_distance_km',
  'tap_speed_kmh',
  // The credential's last taps of three hours: the highest speed needed to reach this tap from any of them, the
  // highest such speed among those taps themselves (the credential was just seen in two places), and whether this
  // station is new for the credential (unused for thirty days).
  'tap_reach_speed_kmh',
  'tap_recent_max_reach_speed_kmh',
  'tap_station_new',
  // Concession class consistency.
  'concession_mismatch',
  // Clinic bill lines.
  'clinic_same_day_duplicates',
  'clinic_quantity_over_max',
  'clinic_code_peer_ratio',
  // Earlier days (within thirty) this clinic billed this patient; this clinic's lines of this code over a 24 h
  // half-life, this line included, and that against what its peers bill of the code per clinic.
  'clinic_patient_days_30d',
  'clinic_code_lines_24h',
  'clinic_code_peer_ratio_24h',
] as const;

export type FeatureName = (typeof featureNames)[number];

/** Each feature's position in a feature vector. */
export const feature = Object.fromEntries(featureNames.map((name, index) => [name, index])) as Record<
  FeatureName,
  number
>;

/** Yes/no features (1 or 0). */
const flags: readonly FeatureName[] = [
  'credential_revoked',
  'presentation_replayed',
  'device_key_mismatch',
  'merchant_capability_disabled',
  'resident_blocked',
  'device_blocked',
  'merchant_blocked',
  'is_gate',
  'fare_within_maximum',
  'device_switched',
  'merchant_new_for_resident',
  'tap_station_new',
  'concession_mismatch',
];

/**
 * The values each feature can take, lowest and highest: a condition comparing with a value outside can never hold
 * (or always holds), so validation refuses it. Everything not listed is a count, an amount, a time, a distance, a
 * speed or a ratio: zero or more.
 */
export const featureRanges: Readonly<Record<FeatureName, readonly [number, number]>> = Object.fromEntries(
  featureNames.map((name): [FeatureName, readonly [number, number]] => {
    if (flags.includes(name)) return [name, [0, 1]];
    if (name === 'amount_zscore') return [name, [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]];
    if (name === 'merchant_new_resident_share_today') return [name, [0, 1]];
    // Counted up to merchantAgeCapDays (horizon.ts): a rule asking past it could never hold.
    if (name === 'merchant_age_days') return [name, [0, merchantAgeCapDays]];
    return [name, [0, Number.POSITIVE_INFINITY]];
  }),
) as Record<FeatureName, readonly [number, number]>;

export function isFeatureName(name: string): name is FeatureName {
  return Object.hasOwn(feature, name);
}

export function newFeatureVector(): Float64Array {
  return new Float64Array(featureNames.length);
}
