// The member's cost share of one covered line's allowed amount, in this order:
//   1. copay: the category's copay, at most the allowed amount (PR-3);
//   2. deductible: if the category's deductible applies, what is left after the copay, at most the deductible
//      still open this plan year (PR-1);
//   3. coinsurance: the category's rate on what is left after copay and deductible, the member's share rounded
//      half up to the minor unit (PR-2): 25 % of 0.10 is 0.025, which the member pays as 0.03;
//   4. out-of-pocket maximum: copay, deductible and coinsurance all count toward it; each, in that order, is cut to
//      what is still open, so once it is met the member pays nothing more and the plan pays the rest.
// The deductible met grows by the deductible actually paid (after step 4). Pure bigint arithmetic.

export interface CostShareInput {
  readonly allowedMinor: bigint;
  readonly copayMinor: bigint;
  readonly deductibleApplies: boolean;
  /** The deductible still open this plan year (0 when met). */
  readonly deductibleLeftMinor: bigint;
  readonly coinsuranceBasisPoints: number;
  /** The out-of-pocket maximum still open this plan year (0 when met). */
  readonly outOfPocketLeftMinor: bigint;
}

export interface CostShare {
  readonly copayMinor: bigint;
  readonly deductibleMinor: bigint;
  readonly coinsuranceMinor: bigint;
}

/** `basisPoints` of `amountMinor`, rounded half up: (amount x bp + 5000) / 10000, all non-negative. */
export function coinsuranceOf(amountMinor: bigint, basisPoints: number): bigint {
  return (amountMinor * BigInt(basisPoints) + 5_000n) / 10_000n;
}

export function costShare(input: CostShareInput): CostShare {
  const allowed = input.allowedMinor;
  const copay = input.copayMinor < allowed ? input.copayMinor : allowed;
  let deductible = 0n;
  if (input.deductibleApplies) {
    const open = allowed - copay;
    deductible = input.deductibleLeftMinor < open ? input.deductibleLeftMinor : open;
  }
  const coinsurance = coinsuranceOf(allowed - copay - deductible, input.coinsuranceBasisPoints);
  let room = input.outOfPocketLeftMinor;
  const copayPaid = copay < room ? copay : room;
  room -= copayPaid;
  const deductiblePaid = deductible < room ? deductible : room;
  room -= deductiblePaid;
  const coinsurancePaid = coinsurance < room ? coinsurance : room;
  return { copayMinor: copayPaid, deductibleMinor: deductiblePaid, coinsuranceMinor: coinsurancePaid };
}
