// Service command: authorize and capture in one call, for a caller that knows the final amount (transit's fares at
// settlement, a patient's share of a finalized bill, a shop's till). The same checks as authorize.ts (scopes,
// mandate, split, risk scoring, risk limits in the ledger), then every leg posted whole as a capture posts it: one
// statement, one transaction, the two events an authorize and its capture write. The hold is captured from the
// start.
//
// Keys are shared with authorize (operation `<service>:authorize`), and the request hashed is tagged as a charge's,
// so a key one of them used is refused to the other even when the two requests encode alike. As authorize's, the
// request hashed leaves station_id out (keyedTerms).
import { randomUUID } from 'node:crypto';
import { ChargeRequest, ChargeResponse, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { holdChanged } from '../bus/wallet_events.ts';
import { walletMetrics } from '../metrics.ts';
import {
  checkTerms,
  countedAuthorization,
  firstAnswerOr,
  keyedTerms,
  mandateOrAnswer,
  scoredTerms,
  tapReuseOf,
} from './authorize.ts';
import { recordCommitted, recordLedgerRefusal, scoreAuthorization } from './risk_scoring.ts';
import type { RiskDecisionRecord } from './store.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { ownAnswer } from './own_answer.ts';
import { requestDigest } from './request_digest.ts';
import { encodeMessage } from '@citypass/platform/protobuf';

const chargeTag = Buffer.from('charge\n');

/** `deadlineMs`: the caller's; a call still waiting behind others on the account then is dropped. */
export function charge(
  deps: WalletDeps,
  caller: Caller,
  request: ChargeRequest,
  deadlineMs: number,
): Promise<ChargeResponse> {
  return countedAuthorization(deps, caller, () => chargeOnce(deps, caller, request, deadlineMs));
}

async function chargeOnce(
  deps: WalletDeps,
  caller: Caller,
  request: ChargeRequest,
  deadlineMs: number,
): Promise<ChargeResponse> {
  const { key, money, payee, payerShare } = checkTerms(deps, caller, request);
  const idempotency = {
    operation: `${caller.service}:authorize`,
    key,
    requestDigest: requestDigest(Buffer.concat([chargeTag, encodeMessage(ChargeRequest, keyedTerms(request))])),
  };
  const mandate = await mandateOrAnswer(deps, payee ?? caller.service, request, money, idempotency);
  if (mandate instanceof Uint8Array) return ChargeResponse.decode(mandate);
  const createdAt = new Date(deps.now());
  const holdId = randomUUID();
  let riskDecision: RiskDecisionRecord | undefined;
  try {
    riskDecision = scoreAuthorization(
      deps.riskScoring,
      scoredTerms(caller, request, money, mandate, { holdId, at: createdAt, idempotency }),
    );
  } catch (error) {
    return ChargeResponse.decode(await firstAnswerOr(deps, idempotency, error));
  }
  const payerMinor = payerShare?.amountMinor ?? 0n;
  const transferId = randomUUID();
  const payerTransferId = randomUUID();
  const posted = {
    transferId: money.amountMinor > 0n ? transferId : '',
    payerTransferId: payerMinor > 0n ? payerTransferId : '',
  };
  const hold: Hold = {
    holdId,
    service: caller.service,
    residentId: mandate.subject,
    credentialId: mandate.credentialId,
    amount: money,
    capturedMinor: money.amountMinor,
    refundedMinor: 0n,
    status: 'captured',
    createdAt,
    expiresAt: createdAt,
    reference: request.reference,
    payee: payee ?? caller.service,
    payer: payerShare?.payer ?? '',
    payerAmountMinor: payerMinor,
    payerCapturedMinor: payerMinor,
    payerRefundedMinor: 0n,
  };
  const amounts = { amountMinor: money.amountMinor, payerAmountMinor: payerMinor };
  const answer = ownAnswer(ChargeResponse, { hold, ...posted });
  const statement = deps.accounts.run(
    mandate.subject,
    () =>
      deps.store.oneStatement.charge(
        {
          ...idempotency,
          deadlineMs,
          response: answer.bytes,
          // What an authorize and its capture would have published: the hold pending, then captured.
          event: holdChanged('holdAuthorized', {
            hold: { ...hold, status: 'pending', capturedMinor: 0n, payerCapturedMinor: 0n },
            transferId: '',
            payerTransferId: '',
            ...amounts,
          }),
          capturedEvent: holdChanged('holdCaptured', { hold, ...posted, ...amounts }),
        },
        {
          holdId: hold.holdId,
          service: caller.service,
          residentId: mandate.subject,
          credentialId: mandate.credentialId,
          mandateNonce: mandate.key,
          amount: money,
          reference: request.reference,
          createdAt,
          risk: deps.risk,
          riskDecision,
          payee,
          payerShare,
          transferId,
          payerTransferId,
        },
      ),
    deadlineMs,
  );
  let stored: Buffer;
  try {
    stored = await statement;
  } catch (error) {
    const refused = request.settlesTap ? tapReuseOf(error) : error;
    recordLedgerRefusal(deps.riskScoring, idempotency, riskDecision, refused);
    throw refused;
  }
  recordCommitted(deps.riskScoring, idempotency, riskDecision);
  walletMetrics.movedMinor.add(Number(money.amountMinor + payerMinor), { kind: 'capture', currency: money.currency });
  return answer.of(stored);
}
