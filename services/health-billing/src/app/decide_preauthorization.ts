// The insurer a pre-authorization is addressed to decides it: approves an amount until an expiry date (from today,
// by health billing's clock, to 366 days ahead), or denies it with a reason (sealed: it is medical detail).
import { healthBillingReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  DecidePreauthorizationRequest as DecideMessage,
  DecidePreauthorizationResponse as DecideAnswer,
  type DecidePreauthorizationRequest,
  type DecidePreauthorizationResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { isServiceDate } from '../domain/dates.ts';
import { checkPreauthorizationTransition } from '../domain/preauthorization.ts';
import { checkAmount } from './amounts.ts';
import { checkMedicalText } from './medical_text.ts';
import { checkPreauthorizationId, partyPreauthorization } from './preauthorization_access.ts';
import { auditedPreauthorizationOf, preauthorizationDenialContext, stateOn } from './preauthorization_wire.ts';
import { serviceDateOf } from './service_date.ts';
import type { PreauthorizationRecord } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

const dayMs = 86_400_000;
/** How far ahead an approval may run. */
export const maxApprovalDays = 366;

type Decision =
  | { readonly kind: 'approve'; readonly approvedMinor: bigint; readonly expiresOn: string }
  | { readonly kind: 'deny'; readonly reason: string };

export async function decidePreauthorization(
  deps: VisitDeps,
  insurer: string,
  request: DecidePreauthorizationRequest,
): Promise<DecidePreauthorizationResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkPreauthorizationId(request.preauthorizationId);
  const nowMs = deps.now();
  const today = serviceDateOf(nowMs);
  const decision = checkDecision(request, nowMs);
  const operation = `${insurer}:decide_preauthorization`;
  const requestBytes = DecideMessage.encode({ ...request, idempotencyKey: '' }).finish();
  return deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return DecideAnswer.decode(first);
    const record = await partyPreauthorization(tx, { insurer }, request.preauthorizationId, { forUpdate: true });
    const id = record.preauthorizationId;
    checkPreauthorizationTransition(stateOn(record, today), decision.kind === 'approve' ? 'approved' : 'denied');
    if (decision.kind === 'approve')
      await tx.preauthorizations.approve(id, decision.approvedMinor, decision.expiresOn, nowMs);
    else
      await tx.preauthorizations.deny(id, deps.sealer.seal(decision.reason, preauthorizationDenialContext(id)), nowMs);
    const decided = (await tx.preauthorizations.get(id)) as PreauthorizationRecord;
    const response: DecidePreauthorizationResponse = {
      preauthorization: await auditedPreauthorizationOf(tx, decided, { insurer }, deps.sealer, today),
    };
    await tx.remember(operation, key, DecideAnswer.encode(response).finish());
    return response;
  });
}

function checkDecision(request: DecidePreauthorizationRequest, nowMs: number): Decision {
  const decision = request.decision;
  if (decision?.$case === 'approve') {
    const approvedMinor = checkAmount(decision.value.approvedMinor, 'approve.approved_minor', { positive: true });
    const expiresOn = decision.value.expiresOn;
    if (
      !isServiceDate(expiresOn) ||
      expiresOn < serviceDateOf(nowMs) ||
      expiresOn > serviceDateOf(nowMs + maxApprovalDays * dayMs)
    )
      throw invalidArgument(
        healthBillingReasons.EXPIRY_DATE_INVALID,
        `approve.expires_on must be a date YYYY-MM-DD from today to ${maxApprovalDays} days ahead`,
      );
    return { kind: 'approve', approvedMinor, expiresOn };
  }
  if (decision?.$case === 'deny' && decision.value.reason !== '')
    return { kind: 'deny', reason: checkMedicalText(decision.value.reason, 'deny.reason', 512) };
  throw invalidArgument(
    healthBillingReasons.PREAUTHORIZATION_DECISION_INVALID,
    'a decision is approve (amount and expiry date) or deny (with a reason)',
  );
}
