// A clinic checks a patient in: the patient's presentation (addressed to the clinic) is verified locally, and a bill
// opens under the plan version in effect today for the plan the credential names. One presentation opens one bill:
// the database refuses a second bill for its nonce, on any instance. The planned codes are estimated, nothing
// reserved (a predetermination).
import { randomUUID } from 'node:crypto';
import { credentialReasons } from '@citypass/credential';
import { healthBillingReasons } from '@citypass/contracts';
import { DomainError, failedPrecondition, invalidArgument, unauthenticated } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  CheckInRequest as CheckInMessage,
  CheckInResponse as CheckInAnswer,
  type CheckInRequest,
  type CheckInResponse,
  type LineResult,
} from '@citypass/proto/health_billing/v1/health_billing';
import { estimateBill } from '../domain/adjudicate.ts';
import { planYearOf } from '../domain/dates.ts';
import { planVersionOn } from '../domain/plan_schedule.ts';
import { accumulatorsOf, coverageOf, feeScheduleOf, planSchedule } from './adjudication_inputs.ts';
import { billOf, lineResultOf, outcomeOf } from './bill_wire.ts';
import { earlierAnswer } from './earlier_answer.ts';
import { checkCode } from './medical_text.ts';
import { serviceDateOf } from './service_date.ts';
import type { BillRecord, HealthBillingStore, NewBill } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

const maxPlannedCodes = 50;

export async function checkIn(deps: VisitDeps, clinic: string, request: CheckInRequest): Promise<CheckInResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  if (request.presentation === '')
    throw unauthenticated(healthBillingReasons.PRESENTATION_MISSING, "presentation is required: the patient's QR");
  if (request.plannedCodes.length > maxPlannedCodes)
    throw invalidArgument(healthBillingReasons.LIST_TOO_LONG, `planned_codes holds at most ${maxPlannedCodes} codes`);
  const planned = request.plannedCodes.map((code, index) => checkCode(code, `planned_codes[${index}]`));
  const operation = `${clinic}:check_in`;
  const requestBytes = CheckInMessage.encode({ ...request, idempotencyKey: '' }).finish();
  const first = await earlierAnswer(deps.store, operation, key, requestBytes);
  if (first !== undefined) return CheckInAnswer.decode(first);
  const patient = await deps.verifier.verify(request.presentation, { audience: clinic });
  if (patient.plan === undefined || patient.plan === '')
    throw failedPrecondition(healthBillingReasons.COVERAGE_NOT_FOUND, "the patient's credential names no plan");
  const planId = patient.plan;
  const nowMs = deps.now();
  const today = serviceDateOf(nowMs);
  return deps.store.transaction(async (tx) => {
    const replayed = await tx.claim(operation, key, requestBytes);
    if (replayed !== undefined) return CheckInAnswer.decode(replayed);
    const { schedule, versions } = await planSchedule(tx, deps.catalogue, planId);
    const version = planVersionOn(schedule, today);
    const record = versions.find((each) => each.version === version?.version);
    if (version === undefined || record === undefined)
      throw failedPrecondition(healthBillingReasons.COVERAGE_NOT_FOUND, 'the plan has no version in effect today');
    const bill: NewBill = {
      billId: randomUUID(),
      checkinNonce: patient.presentationId,
      clinic,
      patientId: patient.subject,
      credentialId: patient.credentialId,
      concession: patient.concession,
      planId,
      planVersion: version.version,
      planYear: planYearOf(today),
      insurer: record.insurer,
      currency: schedule.currency,
      createdAtMs: nowMs,
      payPresentationSealed: undefined,
    };
    if ((await tx.bills.open(bill)) === 'replayed')
      throw new DomainError(
        'unauthenticated',
        credentialReasons.PRESENTATION_REPLAYED,
        'this presentation already checked a patient in',
      );
    const estimate = planned.length === 0 ? [] : await estimateOf(deps, tx, bill, planned, today);
    const opened = await tx.bills.get(bill.billId);
    const response: CheckInResponse = { bill: billOf(opened as BillRecord, deps.sealer), estimate };
    await tx.remember(operation, key, CheckInAnswer.encode(response).finish());
    return response;
  });
}

async function estimateOf(
  deps: VisitDeps,
  tx: HealthBillingStore,
  bill: NewBill,
  codes: readonly string[],
  today: string,
): Promise<LineResult[]> {
  const { schedule } = await planSchedule(tx, deps.catalogue, bill.planId);
  const feeSchedule = await feeScheduleOf(tx, deps.catalogue, bill.clinic, bill.currency);
  const member = { patientId: bill.patientId, planId: bill.planId, planYear: bill.planYear };
  const lines = codes.map((code, index) => ({
    lineId: `planned-${index + 1}`,
    code,
    serviceDate: today,
    billedMinor: feeSchedule.allowedByCode.get(code) ?? 0n,
  }));
  const result = estimateBill({
    catalogue: deps.catalogue.current,
    feeSchedule,
    plan: schedule,
    coverage: coverageOf(bill.patientId, bill.concession),
    currency: bill.currency,
    lines,
    accumulators: accumulatorsOf(bill.planYear, await tx.accumulators.totals(member)),
    preauthorizations: [],
  });
  return result.lines.map((line) => lineResultOf(line.lineId, line.billedMinor, outcomeOf(line)));
}
