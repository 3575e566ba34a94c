// Reason catalogues: the stable `reason` strings of DomainErrors, read from the proto enums that list them
// (proto/citypass/*/v1/errors.proto). A reason on the wire is the enum value's name without its prefix, so
// `reasonCatalogue(WalletErrorReason, 'WALLET_ERROR_REASON_')` gives `{ INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS', ... }`
// and code writes `walletReasons.INSUFFICIENT_FUNDS` instead of a literal the compiler cannot check.
import assert from 'node:assert/strict';
import { CommonErrorReason } from '@citypass/proto/common/v1/errors';

/** The reason strings of a ts-proto enum object: names with the prefix, without it; no UNSPECIFIED, no UNRECOGNIZED. */
export type ReasonOf<Enum, Prefix extends string> = {
  [Name in keyof Enum]: Name extends `${Prefix}${infer Reason}`
    ? Reason extends 'UNSPECIFIED'
      ? never
      : Reason
    : never;
}[keyof Enum];

/** Each reason keyed by itself, so `catalogue.X` is the string 'X', typed as that literal. */
export type ReasonCatalogue<Reason extends string> = { readonly [Key in Reason]: Key };

export function reasonCatalogue<const Enum extends Readonly<Record<string, number>>, const Prefix extends string>(
  protoEnum: Enum,
  prefix: Prefix,
): ReasonCatalogue<ReasonOf<Enum, Prefix>> {
  const catalogue: Record<string, string> = {};
  for (const [name, value] of Object.entries(protoEnum)) {
    if (value <= 0) continue; // UNSPECIFIED (0) and ts-proto's UNRECOGNIZED (-1) are not reasons
    assert(name.startsWith(prefix), `enum value ${name} does not start with ${prefix}`);
    const reason = name.slice(prefix.length);
    catalogue[reason] = reason;
  }
  return Object.freeze(catalogue) as ReasonCatalogue<ReasonOf<Enum, Prefix>>;
}

/** Whether `text` is one of the catalogue's reasons (for strings that come from outside: a database, a reply). */
export function isReasonIn<Reason extends string>(catalogue: ReasonCatalogue<Reason>, text: string): text is Reason {
  return Object.hasOwn(catalogue, text);
}

/** The reasons every service may answer with (platform's own: auth, limits, infrastructure, bus). */
export const commonReasons = reasonCatalogue(CommonErrorReason, 'COMMON_ERROR_REASON_');
export type CommonReason = keyof typeof commonReasons;
