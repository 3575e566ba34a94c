// Service command: void one of its pending holds; nothing is posted and the reservation of each leg is released.
// One statement.
import { VoidRequest, VoidResponse, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { holdChanged } from '../bus/wallet_events.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { getHold } from './get_hold.ts';
import { requestDigest } from './request_digest.ts';
import { encodeMessage } from '@citypass/platform/protobuf';
import { ownAnswer } from './own_answer.ts';

export async function voidHold(
  deps: WalletDeps,
  caller: Caller,
  request: VoidRequest,
  deadlineMs: number,
): Promise<VoidResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const before =
    deps.recentHolds.take(caller.service, request.holdId) ?? (await getHold(deps, caller.service, request.holdId));
  const hold: Hold = { ...before, status: 'voided' };
  const answer = ownAnswer(VoidResponse, { hold });
  const stored = await deps.accounts.run(
    before.residentId,
    () =>
      deps.store.oneStatement.void(
        {
          operation: `${caller.service}:void`,
          key,
          deadlineMs,
          requestDigest: requestDigest(encodeMessage(VoidRequest, { ...request, idempotencyKey: '' })),
          response: answer.bytes,
          event: holdChanged('holdVoided', {
            hold,
            transferId: '',
            amountMinor: hold.amount?.amountMinor ?? 0n,
            payerTransferId: '',
            payerAmountMinor: hold.payerAmountMinor,
          }),
        },
        { holdId: before.holdId, service: caller.service, now: new Date(deps.now()) },
      ),
    deadlineMs,
  );
  return answer.of(stored);
}
