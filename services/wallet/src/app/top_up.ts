// Funding command: money enters a resident account from the city's float (the bank or card integration calls
// this after the money arrived on its side). Opens the resident's account if this is their first top-up.
import { randomUUID } from 'node:crypto';
import { TopUpRequest, TopUpResponse } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { isUuid } from '@citypass/platform/ids';
import { checkText } from '@citypass/platform/text';
import { toppedUp } from '../bus/wallet_events.ts';
import { positiveMoney } from '../domain/money.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { idempotentTransaction } from './idempotent_transaction.ts';
import { openAccount } from './open_account.ts';
import { walletReasons } from '@citypass/contracts';

export async function topUp(
  deps: WalletDeps,
  caller: Caller,
  request: TopUpRequest,
  deadlineMs: number,
): Promise<TopUpResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  if (!isUuid(request.residentId))
    throw invalidArgument(walletReasons.RESIDENT_ID_INVALID, 'resident_id must be a UUID');
  const money = positiveMoney(request.amount?.amountMinor ?? 0n, request.amount?.currency ?? '', deps.currencies);
  checkText(request.fundingReference, 'funding_reference', 96, { required: true });
  const idempotency = {
    operation: `${caller.service}:top_up`,
    key,
    request: TopUpRequest.encode({ ...request, idempotencyKey: '' }).finish(),
  };
  return deps.accounts.run(
    request.residentId,
    () =>
      idempotentTransaction(deps.store, idempotency, codec, async (tx) => {
        await openAccount(tx, 'resident', request.residentId, money.currency);
        const transferId = randomUUID();
        // One top-up per payment: the reference is unique per funding service (a unique index refuses a second).
        const balance = await tx.topUp({
          transferId,
          residentId: request.residentId,
          amount: money,
          reference: `${caller.service}:${request.fundingReference}`,
          now: new Date(deps.now()),
        });
        await tx.appendEvent(
          toppedUp({
            transferId,
            residentId: request.residentId,
            amount: money,
            fundingReference: request.fundingReference,
          }),
        );
        return { transferId, balance };
      }),
    deadlineMs,
  );
}

const codec = {
  encode: (response: TopUpResponse) => TopUpResponse.encode(response).finish(),
  decode: (bytes: Uint8Array) => TopUpResponse.decode(bytes),
};
