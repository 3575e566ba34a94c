// Service command: capture one of its pending holds, all or part; the rest is released. One statement: the
// response and event follow from the hold as read and the request.
import { randomUUID } from 'node:crypto';
import { CaptureRequest, CaptureResponse, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { holdChanged } from '../bus/wallet_events.ts';
import { positiveMinor } from '../domain/money.ts';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { getHold } from './get_hold.ts';

export async function capture(
  deps: WalletDeps,
  caller: Caller,
  request: CaptureRequest,
  deadlineMs: number,
): Promise<CaptureResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const amount = positiveMinor(request.amountMinor);
  const before = await getHold(deps, caller.service, request.holdId);
  const transferId = randomUUID();
  // What the hold will be if this capture goes through; the database refuses it if the hold is not pending.
  const hold: Hold = { ...before, capturedMinor: amount, refundedMinor: 0n, status: 'captured' };
  const response = await deps.accounts.run(
    before.residentId,
    () =>
      deps.store.oneStatement.capture(
        {
          operation: `${caller.service}:capture`,
          key,
          request: CaptureRequest.encode({ ...request, idempotencyKey: '' }).finish(),
          response: CaptureResponse.encode({ hold, transferId }).finish(),
          event: holdChanged('holdCaptured', { hold, transferId, amountMinor: amount }),
        },
        { holdId: before.holdId, service: caller.service, amountMinor: amount, transferId, now: new Date(deps.now()) },
      ),
    deadlineMs,
  );
  walletMetrics.movedMinor.add(Number(amount), { kind: 'capture', currency: hold.amount?.currency ?? '' });
  return CaptureResponse.decode(response);
}
