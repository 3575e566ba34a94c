// Split holds (health billing): a service with `adjudicate:<service>` names who is paid (the payee, a clinic the
// resident is at, when it is not the service itself) and what a payer (an insurer) pays beside the resident. The
// hold stays the service's: it captures, voids and refunds it, and the payer's leg with it. Names are checked for
// shape here; whether the accounts exist is the ledger's to say (MERCHANT_ACCOUNT_NOT_FOUND, PAYER_ACCOUNT_NOT_FOUND).
import type { AuthorizeRequest } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import { checkText } from '@citypass/platform/text';
import { walletReasons } from '@citypass/contracts';
import { nonNegativeMinor } from '../domain/money.ts';
import { requireVerb } from './callers.ts';
import type { Caller } from './deps.ts';
import type { PayerLeg } from './store.ts';

/** Longest account owner the ledger stores (accounts.owner). */
const maxNameLength = 64;

export interface Split {
  /** The merchant paid, when it is not the caller. */
  readonly payee: string | undefined;
  readonly payerShare: PayerLeg | undefined;
}

/** What an authorization splits off, checked; a request that names neither is an ordinary charge. */
export function splitOf(caller: Caller, request: Pick<AuthorizeRequest, 'payee' | 'payerShare'>): Split {
  const payee = request.payee ?? '';
  const share = request.payerShare;
  if (payee === '' && share === undefined) return { payee: undefined, payerShare: undefined };
  requireVerb(caller, 'adjudicate');
  checkText(payee, 'payee', maxNameLength);
  if (payee === caller.service)
    throw invalidArgument(walletReasons.PAYEE_INVALID, 'payee must be another merchant; leave it empty to be paid');
  return {
    payee: payee === '' ? undefined : payee,
    payerShare:
      share === undefined
        ? undefined
        : { payer: checkPayer(share.payer), amountMinor: positiveShare(share.amountMinor) },
  };
}

export function checkPayer(payer: string): string {
  return checkText(payer, 'payer', maxNameLength, { required: true });
}

/** Moving a payer's money (capturing or refunding its leg) needs the scope that split it off. */
export function requirePayerScope(caller: Caller, payerAmountMinor: bigint): void {
  if (payerAmountMinor !== 0n) requireVerb(caller, 'adjudicate');
}

function positiveShare(amountMinor: bigint): PayerLeg['amountMinor'] {
  if (amountMinor === 0n) {
    throw invalidArgument(
      walletReasons.AMOUNT_NOT_POSITIVE,
      'payer_share.amount_minor must be greater than zero; send no payer_share when the payer pays nothing',
    );
  }
  return nonNegativeMinor(amountMinor, 'payer_share.amount_minor');
}
