// Money is integer minor units (bigint) with an ISO 4217 currency; never a float. Pure: no I/O.
import { invalidArgument } from '@citypass/platform/errors';
import { isCurrencyCode, minorUnits, type MinorUnits } from '@citypass/platform/money';
import { walletReasons } from '@citypass/contracts';

export interface Money {
  readonly amountMinor: MinorUnits;
  readonly currency: string;
}

/** The largest amount one operation may move: 10^12 minor units (ten billion in a two-decimal currency). */
export const maxAmountMinor = 1_000_000_000_000n;

/** Validates an amount for a movement: strictly positive, bounded, in a currency this wallet runs. */
export function positiveMoney(amountMinor: bigint, currency: string, supported: ReadonlySet<string>): Money {
  return { amountMinor: positiveMinor(amountMinor), currency: supportedCurrency(currency, supported) };
}

/** Like positiveMoney, but 0 passes: one leg of a split, whose other leg carries the rest (legs.ts). */
export function nonNegativeMoney(amountMinor: bigint, currency: string, supported: ReadonlySet<string>): Money {
  return { amountMinor: nonNegativeMinor(amountMinor), currency: supportedCurrency(currency, supported) };
}

export function positiveMinor(amountMinor: bigint): MinorUnits {
  if (amountMinor <= 0n)
    throw invalidArgument(walletReasons.AMOUNT_NOT_POSITIVE, 'amount_minor must be greater than zero');
  return nonNegativeMinor(amountMinor);
}

/** `field` names the amount in the refusal's message. */
export function nonNegativeMinor(amountMinor: bigint, field = 'amount_minor'): MinorUnits {
  if (amountMinor < 0n) throw invalidArgument(walletReasons.AMOUNT_NOT_POSITIVE, `${field} must not be negative`);
  if (amountMinor > maxAmountMinor)
    throw invalidArgument(walletReasons.AMOUNT_TOO_LARGE, `${field} must be at most ${maxAmountMinor}`);
  return minorUnits(amountMinor);
}

function supportedCurrency(currency: string, supported: ReadonlySet<string>): string {
  if (!isCurrencyCode(currency))
    throw invalidArgument(walletReasons.CURRENCY_INVALID, 'currency must be an ISO 4217 code like EUR');
  if (!supported.has(currency))
    throw invalidArgument(walletReasons.CURRENCY_UNSUPPORTED, `currency ${currency} is not supported here`);
  return currency;
}
