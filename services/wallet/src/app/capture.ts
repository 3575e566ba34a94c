// Service command: capture one of its pending holds, all or part of each leg; the rest is released. A split hold's
// legs post together (the resident's and the payer's transfer to the payee) or not at all. One statement: the
// response and event follow from the hold as read and the request.
import { randomUUID } from 'node:crypto';
import { CaptureRequest, CaptureResponse, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { holdChanged } from '../bus/wallet_events.ts';
import { legs } from '../domain/legs.ts';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { getHold } from './get_hold.ts';
import { requirePayerScope } from './split.ts';
import { requestDigest } from './request_digest.ts';
import { encodeMessage } from '@citypass/platform/protobuf';
import { ownAnswer } from './own_answer.ts';

export async function capture(
  deps: WalletDeps,
  caller: Caller,
  request: CaptureRequest,
  deadlineMs: number,
): Promise<CaptureResponse> {
  requirePayerScope(caller, request.payerAmountMinor ?? 0n);
  const key = checkIdempotencyKey(request.idempotencyKey);
  const amount = legs(request.amountMinor, request.payerAmountMinor ?? 0n);
  const before =
    deps.recentHolds.take(caller.service, request.holdId) ?? (await getHold(deps, caller.service, request.holdId));
  // The caller was checked at the edge; a hold it split to another payee is not captured for a suspended payee.
  deps.suspensions.assertActive(before.payee);
  const transferId = randomUUID();
  const payerTransferId = randomUUID();
  // What the hold will be if this capture goes through; the database refuses it if the hold is not pending or a
  // leg is smaller than asked.
  const hold: Hold = {
    ...before,
    capturedMinor: amount.residentMinor,
    refundedMinor: 0n,
    payerCapturedMinor: amount.payerMinor,
    payerRefundedMinor: 0n,
    status: 'captured',
  };
  // A leg that captures nothing posts no transfer.
  const posted = {
    transferId: amount.residentMinor > 0n ? transferId : '',
    payerTransferId: amount.payerMinor > 0n ? payerTransferId : '',
  };
  const answer = ownAnswer(CaptureResponse, { hold, ...posted });
  const stored = await deps.accounts.run(
    before.residentId,
    () =>
      deps.store.oneStatement.capture(
        {
          operation: `${caller.service}:capture`,
          key,
          deadlineMs,
          requestDigest: requestDigest(encodeMessage(CaptureRequest, { ...request, idempotencyKey: '' })),
          response: answer.bytes,
          event: holdChanged('holdCaptured', {
            hold,
            ...posted,
            amountMinor: amount.residentMinor,
            payerAmountMinor: amount.payerMinor,
          }),
        },
        {
          holdId: before.holdId,
          service: caller.service,
          amountMinor: amount.residentMinor,
          transferId,
          payerAmountMinor: amount.payerMinor,
          payerTransferId,
          now: new Date(deps.now()),
        },
      ),
    deadlineMs,
  );
  const currency = hold.amount?.currency ?? '';
  walletMetrics.movedMinor.add(Number(amount.residentMinor + amount.payerMinor), { kind: 'capture', currency });
  return answer.of(stored);
}
