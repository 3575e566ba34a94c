// A hold has the resident's leg and, when split, a payer's leg (an insurer's share), in one currency. What a
// capture or a refund moves is an amount per leg: each may be 0 as long as something moves. Pure: no I/O.
import { invalidArgument } from '@citypass/platform/errors';
import type { MinorUnits } from '@citypass/platform/money';
import { walletReasons } from '@citypass/contracts';
import { nonNegativeMinor } from './money.ts';

export interface Legs {
  readonly residentMinor: MinorUnits;
  readonly payerMinor: MinorUnits;
}

/**
 * Each leg from 0 to the largest amount, together above 0: a fully covered visit moves nothing on the resident's
 * leg, a refund may go back to one side only. A request without a payer's part (payerMinor 0) is what it was
 * before split holds: its amount must be above 0.
 */
export function legs(residentMinor: bigint, payerMinor: bigint): Legs {
  const checked = {
    residentMinor: nonNegativeMinor(residentMinor, 'amount_minor'),
    payerMinor: nonNegativeMinor(payerMinor, 'payer_amount_minor'),
  };
  if (checked.residentMinor + checked.payerMinor === 0n) {
    throw invalidArgument(
      walletReasons.AMOUNT_NOT_POSITIVE,
      payerMinor === 0n ? 'amount_minor must be greater than zero' : 'amount_minor and payer_amount_minor are both 0',
    );
  }
  return checked;
}
