// Service (or operator: account_owner.ts's refunderFor) command: refund part of one of its captured holds, repeatedly, each leg never more than it captured: the
// resident's leg back to the resident, a split hold's payer leg back to the payer (either or both in one call).
// Posts one transfer per leg refunded and one event; the response carries the hold after the refund, so it runs as
// a transaction.
import { randomUUID } from 'node:crypto';
import { RefundRequest, RefundResponse, type Hold } from '@citypass/proto/wallet/v1/wallet';
import type { OperatorAuditRecord } from '@citypass/platform/operator_audit';
import { operatorScopes } from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { commonReasons } from '@citypass/platform/reasons';
import { checkText } from '@citypass/platform/text';
import { holdChanged } from '../bus/wallet_events.ts';
import { legs, type Legs } from '../domain/legs.ts';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { checkHoldId } from './get_hold.ts';
import { idempotentTransaction } from './idempotent_transaction.ts';
import { auditActions, auditTargets } from './operator_audit.ts';
import { requirePayerScope } from './split.ts';
import { requestDigest } from './request_digest.ts';

/** `operator`: who refunds when an operator does (operator_audit.ts actorOf): the refund is audited with its reason. */
export async function refund(
  deps: WalletDeps,
  caller: Caller,
  request: RefundRequest,
  operator?: string,
): Promise<RefundResponse> {
  // A service names no other service (an operator's refund names the hold's service: account_owner.ts).
  if ((request.service ?? '') !== '' && request.service !== caller.service)
    throw permissionDenied(
      commonReasons.SCOPE_MISSING,
      `another service's hold is refunded with ${operatorScopes.wallet}`,
    );
  requirePayerScope(caller, request.payerAmountMinor ?? 0n);
  const key = checkIdempotencyKey(request.idempotencyKey);
  const holdId = checkHoldId(request.holdId);
  const amount = legs(request.amountMinor, request.payerAmountMinor ?? 0n);
  checkText(request.reason, 'reason', 128);
  const transferId = randomUUID();
  const payerTransferId = randomUUID();
  // A leg that returns nothing posts no transfer.
  const posted = {
    transferId: amount.residentMinor > 0n ? transferId : '',
    payerTransferId: amount.payerMinor > 0n ? payerTransferId : '',
  };
  const idempotency = {
    operation: `${caller.service}:refund`,
    key,
    requestDigest: requestDigest(RefundRequest.encode({ ...request, idempotencyKey: '' }).finish()),
  };
  return idempotentTransaction(deps.store, idempotency, codec, async (tx) => {
    const hold = await tx.refund({
      holdId,
      service: caller.service,
      amountMinor: amount.residentMinor,
      transferId,
      payerAmountMinor: amount.payerMinor,
      payerTransferId,
      reason: request.reason,
      now: new Date(deps.now()),
    });
    if (operator !== undefined) await tx.appendAudit(refundAudit(operator, hold, amount, request.reason));
    await tx.appendEvent(
      holdChanged('holdRefunded', {
        hold,
        ...posted,
        amountMinor: amount.residentMinor,
        payerAmountMinor: amount.payerMinor,
      }),
    );
    walletMetrics.movedMinor.add(Number(amount.residentMinor + amount.payerMinor), {
      kind: 'refund',
      currency: hold.amount?.currency ?? '',
    });
    return { hold, ...posted };
  });
}

/** The audit row of an operator's refund: the hold's refunded amounts before and after it, and the amounts. */
function refundAudit(actor: string, hold: Hold, amount: Legs, reason: string): OperatorAuditRecord {
  const refunded = (resident: bigint, payer: bigint) => ({
    refundedMinor: resident.toString(),
    payerRefundedMinor: payer.toString(),
  });
  const currency = hold.amount?.currency ?? '';
  return {
    actor,
    action: auditActions.refundMade,
    target: auditTargets.hold(hold.holdId),
    merchant: hold.service,
    before: {
      ...refunded(hold.refundedMinor - amount.residentMinor, hold.payerRefundedMinor - amount.payerMinor),
      currency,
    },
    after: {
      ...refunded(hold.refundedMinor, hold.payerRefundedMinor),
      currency,
      amountMinor: amount.residentMinor.toString(),
      payerAmountMinor: amount.payerMinor.toString(),
    },
    reason,
  };
}

const codec = {
  encode: (response: RefundResponse) => RefundResponse.encode(response).finish(),
  decode: (bytes: Uint8Array) => RefundResponse.decode(bytes),
};
