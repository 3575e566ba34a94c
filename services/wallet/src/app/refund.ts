// Service command: refund part of one of its captured holds, repeatedly, never more than was captured. Posts one
// transfer and one event; the response carries the hold after the refund, so it runs as a transaction.
import { randomUUID } from 'node:crypto';
import { RefundRequest, RefundResponse } from '@citypass/proto/wallet/v1/wallet';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { checkText } from '@citypass/platform/text';
import { holdChanged } from '../bus/wallet_events.ts';
import { positiveMinor } from '../domain/money.ts';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { checkHoldId } from './get_hold.ts';
import { idempotentTransaction } from './idempotent_transaction.ts';

export async function refund(deps: WalletDeps, caller: Caller, request: RefundRequest): Promise<RefundResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const holdId = checkHoldId(request.holdId);
  const amount = positiveMinor(request.amountMinor);
  checkText(request.reason, 'reason', 128);
  const transferId = randomUUID();
  const idempotency = {
    operation: `${caller.service}:refund`,
    key,
    request: RefundRequest.encode({ ...request, idempotencyKey: '' }).finish(),
  };
  return idempotentTransaction(deps.store, idempotency, codec, async (tx) => {
    const hold = await tx.refund({
      holdId,
      service: caller.service,
      amountMinor: amount,
      transferId,
      reason: request.reason,
      now: new Date(deps.now()),
    });
    await tx.appendEvent(holdChanged('holdRefunded', { hold, transferId, amountMinor: amount }));
    walletMetrics.movedMinor.add(Number(amount), { kind: 'refund', currency: hold.amount?.currency ?? '' });
    return { hold, transferId };
  });
}

const codec = {
  encode: (response: RefundResponse) => RefundResponse.encode(response).finish(),
  decode: (bytes: Uint8Array) => RefundResponse.decode(bytes),
};
