// The rule set the engine starts with: the hard rules, the long-bound fare allowance, the two step-ups and the
// scored signals, with Stripe Radar's 65 / 75 as the default review / decline thresholds. Data, not code: a new
// version is a new object that passes validateRuleSet.
// city-2: a tap no metro ride could reach from the credential's taps of the last three hours is not allowed
// outright; such a tap at a station the credential does not use, or any tap at such a station right after one,
// scores (the fastest honest ride in the tuning days averages under 30 km/h door to door: 35 km/h leaves room);
// a clinic billing a code in a burst far above its peers, and billing the same patient day after day, scores.
// city-3: a city's first day is not fraud. A new phone counts only when the resident paid before from another one
// (a thief binds a new phone to a known resident; every enrolled resident's first phone is new). A merchant's
// share of residents new to it counts only from its second day (on its first, all are new) and, for a rush, with
// at least 20 residents today (the smallest compromised-shop rush the rule caught in the tuning days had 37). An
// amount's z-score counts only once its category has minAmountSamples payments, and divides by at least
// minAmountSpread (state.ts): a shop with one price would make any other amount "far above usual".
// city-4: at a shop or online payment on a switched phone (bound under two days ago to a resident who paid from
// another), a resident's spend over the last hour (1 h half-life) above newPhoneSpendMinor, from more than one payment
// or tap, scores 30: with new_device, 60, at or above every decline threshold the seeded city's tuning fits but
// clothing's (71). A thief who rebinds the account spends fast; an honest resident's new phone makes one large purchase
// at most (the highest such spend before a payment on an honest switched phone in the tuning days: 104.87). Chosen on
// the tuning days of seeds 13, 21 and 5: 45 points, or no count, declined one or two more honest residents there, or
// raised a small category's threshold. A step-up would not stop the thief: the phone's user verification is theirs.
// city-5: the same rules on features that remember thirty days (horizon.ts), so that idle residents can be evicted
// and a rebuilt wallet reads what a long-running one does: a merchant a resident has not paid in thirty days is new
// to it again (new_merchant_large scores it), a phone or a fellow resident not seen for thirty days is not counted,
// a resident with no payment or tap for thirty days starts afresh (its concession, counters, last tap and stations),
// and merchant_age_days counts up to seven. Over the seeded city's 87 days, 800 honest payments of residents back at a
// shop after more than thirty days score 15 more (none reaches review) and two stolen-phone payments approved before
// are declined: best F1 0.9717 -> 0.9711 and PR AUC 0.9681 -> 0.9680 (more honest payments at low scores).
import type { Condition, Rule, RuleSet } from './rule_set.ts';

/** The fastest a rider can get between two taps on the metro, with room to spare (km/h, straight line). */
const metroReachKmh = 35;
/** Distinct residents a merchant needs today before its share of new ones can make a rush. */
const rushMinResidents = 20;
/** A resident's spend over the last hour (minor units) that makes a switched phone's payments a spree (city-4). */
const newPhoneSpendMinor = 15_000;

const when = (...conditions: Condition[]): Condition[] => conditions;
const is = (feature: Condition['feature'], value = 1): Condition => ({ feature, op: '==', value });

const block = (id: string, reason: string, feature: Condition['feature'], explanation: string): Rule => ({
  id,
  version: 1,
  kind: 'block',
  when: when(is(feature)),
  reason,
  explanation,
});

const scoreRule = (id: string, points: number, conditions: Condition[], explanation: string, version = 1): Rule => ({
  id,
  version,
  kind: 'score',
  when: conditions,
  points,
  explanation,
});

export const defaultRuleSet: RuleSet = {
  version: 'city-5',
  thresholds: {
    default: { review: 65, decline: 75 },
    fare: { review: 60, decline: 80 },
    clinic: { review: 50, decline: 70 },
  },
  rules: [
    block('credential_revoked', 'CREDENTIAL_REVOKED', 'credential_revoked', 'your credential has been revoked'),
    block(
      'presentation_replayed',
      'PRESENTATION_REPLAYED',
      'presentation_replayed',
      'this presentation was already used',
    ),
    block(
      'device_key_mismatch',
      'DEVICE_KEY_MISMATCH',
      'device_key_mismatch',
      'it was not signed by the phone your credential is bound to',
    ),
    block(
      'merchant_disabled',
      'MERCHANT_CAPABILITY_DISABLED',
      'merchant_capability_disabled',
      'this merchant may not take payments now',
    ),
    block(
      'resident_blocked',
      'RESIDENT_BLOCKED',
      'resident_blocked',
      'payments from your account are stopped; please contact the city',
    ),
    block('device_blocked', 'DEVICE_BLOCKED', 'device_blocked', 'this phone is blocked'),
    block('merchant_blocked', 'MERCHANT_BLOCKED', 'merchant_blocked', 'this merchant is blocked'),
    {
      id: 'long_bound_fare',
      version: 2,
      kind: 'allow',
      when: when(
        is('is_gate'),
        is('fare_within_maximum'),
        { feature: 'device_age_days', op: '>=', value: 30 },
        { feature: 'tap_reach_speed_kmh', op: '<=', value: metroReachKmh },
        { feature: 'tap_recent_max_reach_speed_kmh', op: '<=', value: metroReachKmh },
        is('concession_mismatch', 0),
      ),
      explanation: 'a usual fare on a phone bound {device_age_days} days ago',
    },
    {
      id: 'new_device_unusual_amount',
      version: 2,
      kind: 'step_up',
      when: when({ feature: 'device_age_days', op: '<', value: 2 }, is('device_switched'), {
        feature: 'amount_zscore',
        op: '>',
        value: 1.5,
      }),
      reason: 'NEW_DEVICE_UNUSUAL_AMOUNT',
      explanation: 'an unusually large amount on a phone bound {device_age_days} days ago',
    },
    {
      id: 'impossible_travel',
      version: 1,
      kind: 'step_up',
      when: when({ feature: 'place_speed_kmh', op: '>', value: 150 }),
      reason: 'IMPOSSIBLE_TRAVEL',
      explanation: 'you were somewhere else a moment ago ({place_speed_kmh} km/h between the two places)',
    },
    scoreRule(
      'new_device',
      30,
      when({ feature: 'device_age_days', op: '<', value: 2 }, is('device_switched')),
      'you paid from another phone before, and this one was bound {device_age_days} days ago',
      2,
    ),
    scoreRule(
      'new_device_spree',
      30,
      when(
        { feature: 'device_age_days', op: '<', value: 2 },
        is('device_switched'),
        is('is_gate', 0),
        { feature: 'resident_amount_1h', op: '>', value: newPhoneSpendMinor },
        { feature: 'resident_count_1h', op: '>', value: 1 },
      ),
      'you paid from another phone before, and this one, bound {device_age_days} days ago, has spent much in the last hour',
    ),
    scoreRule(
      'unusual_amount',
      25,
      when({ feature: 'amount_zscore', op: '>', value: 2 }),
      'the amount is far above usual for this kind of shop',
    ),
    scoreRule(
      'very_unusual_amount',
      15,
      when({ feature: 'amount_zscore', op: '>', value: 3 }),
      'the amount is very far above usual',
    ),
    scoreRule(
      'new_merchant_large',
      15,
      when(is('merchant_new_for_resident'), { feature: 'amount_zscore', op: '>', value: 1 }),
      'a large first payment to this merchant',
    ),
    scoreRule(
      'burst',
      20,
      when({ feature: 'recent_events_10min', op: '>=', value: 3 }),
      '{recent_events_10min} payments in the last ten minutes',
    ),
    scoreRule(
      'resident_velocity',
      15,
      when({ feature: 'resident_count_1h', op: '>', value: 4 }),
      'many payments in the last hour',
    ),
    scoreRule(
      'impossible_tap',
      80,
      when({ feature: 'tap_speed_kmh', op: '>', value: 120 }),
      'your credential tapped {tap_distance_km} km away too shortly before',
    ),
    scoreRule(
      'far_quick_tap',
      20,
      when({ feature: 'tap_distance_km', op: '>', value: 8 }, { feature: 'tap_speed_kmh', op: '>', value: 60 }),
      'a tap {tap_distance_km} km from the last one in little time',
    ),
    scoreRule(
      'unreachable_tap_new_station',
      80,
      when({ feature: 'tap_reach_speed_kmh', op: '>', value: metroReachKmh }, is('tap_station_new')),
      'your credential tapped at a station you do not use, faster than any ride from its last taps ({tap_reach_speed_kmh} km/h)',
    ),
    scoreRule(
      'new_station_after_unreachable_tap',
      80,
      when({ feature: 'tap_recent_max_reach_speed_kmh', op: '>', value: metroReachKmh }, is('tap_station_new')),
      'your credential was just seen in two places, and now taps at a station you do not use',
    ),
    scoreRule(
      'card_testing',
      45,
      when(
        { feature: 'merchant_new_resident_share_today', op: '>', value: 0.6 },
        { feature: 'merchant_residents_today', op: '>=', value: 10 },
        { feature: 'merchant_age_days', op: '>=', value: 1 },
        { feature: 'amount_minor', op: '<', value: 300 },
      ),
      'this shop is taking many small first payments today',
      2,
    ),
    scoreRule(
      'merchant_burst',
      25,
      when(
        { feature: 'merchant_count_1h', op: '>', value: 30 },
        { feature: 'merchant_new_resident_share_today', op: '>', value: 0.5 },
        { feature: 'merchant_residents_today', op: '>=', value: rushMinResidents },
        { feature: 'merchant_age_days', op: '>=', value: 1 },
      ),
      'this shop has an unusual rush of new customers',
      2,
    ),
    scoreRule(
      'shared_device',
      50,
      when({ feature: 'residents_per_device', op: '>', value: 4 }),
      'this phone is used by {residents_per_device} residents',
    ),
    scoreRule(
      'device_farm',
      30,
      when({ feature: 'residents_per_device', op: '>', value: 10 }),
      'this phone is used by very many residents',
    ),
    scoreRule(
      'concession_mismatch',
      95,
      when(is('concession_mismatch')),
      'the concession presented is not the one you enrolled with',
    ),
    scoreRule(
      'clinic_duplicate',
      40,
      when({ feature: 'clinic_same_day_duplicates', op: '>=', value: 1 }),
      'the same service was already billed today',
    ),
    scoreRule(
      'clinic_quantity',
      40,
      when({ feature: 'clinic_quantity_over_max', op: '>', value: 0 }),
      'more units than the catalogue allows',
    ),
    scoreRule(
      'clinic_code_surge',
      60,
      when(
        { feature: 'clinic_code_lines_24h', op: '>=', value: 2.5 },
        { feature: 'clinic_code_peer_ratio_24h', op: '>', value: 10 },
      ),
      'this clinic billed this service {clinic_code_peer_ratio_24h} times as often as other clinics today',
    ),
    scoreRule(
      'clinic_patient_repeat',
      25,
      when({ feature: 'clinic_patient_days_30d', op: '>=', value: 2 }),
      'this clinic billed you on {clinic_patient_days_30d} other days this month',
    ),
    scoreRule(
      'clinic_peer_outlier',
      35,
      when({ feature: 'clinic_code_peer_ratio', op: '>', value: 3 }),
      'this clinic bills this service {clinic_code_peer_ratio} times as often as others',
    ),
  ],
};
