// Funding command: money enters a resident's account, or a payer's (an insurer's), from the city's float (the bank
// or card integration calls this after the money arrived on its side). Opens the resident's account if this is their
// first top-up; a payer's account exists once identity onboarded the insurer, and is never opened here.
import { randomUUID } from 'node:crypto';
import { TopUpRequest, TopUpResponse } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { isUuid } from '@citypass/platform/ids';
import { checkText } from '@citypass/platform/text';
import { payerToppedUp, toppedUp } from '../bus/wallet_events.ts';
import { positiveMoney } from '../domain/money.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { idempotentTransaction } from './idempotent_transaction.ts';
import { openAccount } from './open_account.ts';
import { checkPayer } from './split.ts';
import type { TopUp } from './store.ts';
import { walletReasons } from '@citypass/contracts';
import { requestDigest } from './request_digest.ts';

export async function topUp(
  deps: WalletDeps,
  caller: Caller,
  request: TopUpRequest,
  deadlineMs: number,
): Promise<TopUpResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const to = targetOf(request);
  const money = positiveMoney(request.amount?.amountMinor ?? 0n, request.amount?.currency ?? '', deps.currencies);
  checkText(request.fundingReference, 'funding_reference', 96, { required: true });
  const idempotency = {
    operation: `${caller.service}:top_up`,
    key,
    requestDigest: requestDigest(TopUpRequest.encode({ ...request, idempotencyKey: '' }).finish()),
  };
  const run = (): Promise<TopUpResponse> =>
    idempotentTransaction(deps.store, idempotency, codec, async (tx) => {
      if ('residentId' in to) await openAccount(tx, 'resident', to.residentId, money.currency);
      const transferId = randomUUID();
      // One top-up per payment: the reference is unique per funding service (a unique index refuses a second).
      const topUp: TopUp = {
        transferId,
        to,
        amount: money,
        reference: `${caller.service}:${request.fundingReference}`,
        now: new Date(deps.now()),
      };
      const balance = await tx.topUp(topUp);
      const event = { transferId, amount: money, fundingReference: request.fundingReference };
      await tx.appendEvent(
        'residentId' in to
          ? toppedUp({ ...event, residentId: to.residentId, payer: '' })
          : payerToppedUp({ ...event, residentId: '', payer: to.payer }),
      );
      return { transferId, balance };
    });
  // A resident's writes wait their turn per account (deps.accounts); a payer's top-ups are rare, and its row is
  // contended by every split hold in the database anyway, so they do not queue here.
  return 'residentId' in to ? deps.accounts.run(to.residentId, run, deadlineMs) : run();
}

/** Exactly one of resident_id and payer. */
function targetOf(request: TopUpRequest): TopUp['to'] {
  const payer = request.payer ?? '';
  if ((request.residentId === '') === (payer === ''))
    throw invalidArgument(walletReasons.TOP_UP_TARGET_INVALID, 'a top-up names exactly one of resident_id and payer');
  if (payer !== '') return { payer: checkPayer(payer) };
  if (!isUuid(request.residentId))
    throw invalidArgument(walletReasons.RESIDENT_ID_INVALID, 'resident_id must be a UUID');
  return { residentId: request.residentId };
}

const codec = {
  encode: (response: TopUpResponse) => TopUpResponse.encode(response).finish(),
  decode: (bytes: Uint8Array) => TopUpResponse.decode(bytes),
};
