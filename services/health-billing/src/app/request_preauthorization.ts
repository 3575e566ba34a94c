// A clinic asks the plan's insurer to pre-authorize codes for a patient it has an open bill with: the bill names the
// patient and the insurer, so a clinic cannot ask about (or learn anything of) a resident it is not treating. The
// codes and the reason are sealed before they reach the store.
import { randomUUID } from 'node:crypto';
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition, invalidArgument, notFound } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  RequestPreauthorizationRequest as RequestMessage,
  RequestPreauthorizationResponse as RequestAnswer,
  type RequestPreauthorizationRequest,
  type RequestPreauthorizationResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { maxPreauthorizationCodes } from '../domain/preauthorization.ts';
import { checkAmount } from './amounts.ts';
import { checkBillId, clinicBill } from './bill_access.ts';
import { checkCode, checkMedicalText } from './medical_text.ts';
import { auditedPreauthorizationOf, preauthorizationReasonContext, sealCodes } from './preauthorization_wire.ts';
import { serviceDateOf } from './service_date.ts';
import type { PreauthorizationRecord } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

/**
 * Open (requested or approved) ones a clinic may hold per patient: bounds what a finalize opens and locks (the
 * engine takes up to maxPreauthorizations). Counted under the bill's lock, so exact per bill, near across bills.
 */
export const maxOpenPerPatient = 100;

export async function requestPreauthorization(
  deps: VisitDeps,
  clinic: string,
  request: RequestPreauthorizationRequest,
): Promise<RequestPreauthorizationResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkBillId(request.billId);
  const codes = checkCodes(deps, request.codes);
  const requestedMinor = checkAmount(request.requestedMinor, 'requested_minor', { positive: true });
  const reason = checkMedicalText(request.reason, 'reason', 512);
  const operation = `${clinic}:request_preauthorization`;
  const requestBytes = RequestMessage.encode({ ...request, idempotencyKey: '' }).finish();
  return deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return RequestAnswer.decode(first);
    const bill = await clinicBill(tx, clinic, request.billId, { forUpdate: true, status: 'open' });
    if ((await tx.preauthorizations.openCount({ clinic, patientId: bill.patientId })) >= maxOpenPerPatient)
      throw failedPrecondition(
        healthBillingReasons.LIST_TOO_LONG,
        `a clinic has at most ${maxOpenPerPatient} open pre-authorizations per patient`,
      );
    const id = randomUUID();
    const nowMs = deps.now();
    await tx.preauthorizations.add({
      preauthorizationId: id,
      patientId: bill.patientId,
      clinic,
      insurer: bill.insurer,
      requestedOnBill: bill.billId,
      codesSealed: sealCodes(id, codes, deps.sealer),
      reasonSealed: reason === '' ? undefined : deps.sealer.seal(reason, preauthorizationReasonContext(id)),
      currency: bill.currency,
      requestedMinor,
      requestedAtMs: nowMs,
    });
    const stored = (await tx.preauthorizations.get(id)) as PreauthorizationRecord;
    const response: RequestPreauthorizationResponse = {
      preauthorization: await auditedPreauthorizationOf(tx, stored, { clinic }, deps.sealer, serviceDateOf(nowMs)),
    };
    await tx.remember(operation, key, RequestAnswer.encode(response).finish());
    return response;
  });
}

/** 1-20 distinct codes of the catalogue. */
function checkCodes(deps: VisitDeps, codes: readonly string[]): string[] {
  if (codes.length === 0 || codes.length > maxPreauthorizationCodes)
    throw invalidArgument(healthBillingReasons.ENTRIES_INVALID, `codes must hold 1-${maxPreauthorizationCodes} codes`);
  const checked = codes.map((code, index) => checkCode(code, `codes[${index}]`));
  if (new Set(checked).size !== checked.length)
    throw invalidArgument(healthBillingReasons.CODE_DUPLICATE, 'codes must not repeat a code');
  if (!checked.every((code) => deps.catalogue.current.entries.has(code)))
    throw notFound(healthBillingReasons.CODE_UNKNOWN, 'a code is not in the catalogue');
  return checked;
}
