// Operators replace a clinic's fee schedule: the allowed amount per code in one currency. The clinic must be
// onboarded (bill:<clinic>) and every code in the catalogue.
import {
  PutFeeScheduleRequest as PutFeeScheduleMessage,
  PutFeeScheduleResponse as PutFeeScheduleAnswer,
  type PutFeeScheduleRequest,
  type PutFeeScheduleResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { failedPrecondition, invalidArgument, notFound } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { healthBillingReasons } from '@citypass/contracts';
import { checkAmount, checkCurrency } from './amounts.ts';
import { checkCode } from './medical_text.ts';
import type { HealthBillingStore } from './store.ts';

const maxEntries = 5_000;

export async function putFeeSchedule(
  deps: { store: HealthBillingStore; currencies: ReadonlySet<string> },
  operator: string,
  request: PutFeeScheduleRequest,
): Promise<PutFeeScheduleResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const currency = checkCurrency(request.currency, deps.currencies);
  if (request.entries.length === 0 || request.entries.length > maxEntries)
    throw invalidArgument(healthBillingReasons.ENTRIES_INVALID, `entries must hold 1-${maxEntries} entries`);
  const allowed = new Map<string, bigint>();
  request.entries.forEach((entry, index) => {
    const code = checkCode(entry.code, `entries[${index}].code`);
    if (allowed.has(code))
      throw invalidArgument(healthBillingReasons.CODE_INVALID, `entries[${index}].code is repeated`);
    allowed.set(code, checkAmount(entry.allowedMinor, `entries[${index}].allowed_minor`, { positive: true }));
  });
  const operation = `${operator}:put_fee_schedule`;
  const requestBytes = PutFeeScheduleMessage.encode({ ...request, idempotencyKey: '' }).finish();
  return deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return PutFeeScheduleAnswer.decode(first);
    if (!(await tx.parties.has(request.clinic, 'clinic')))
      throw failedPrecondition(healthBillingReasons.CLINIC_UNKNOWN, 'the clinic is not onboarded with bill: scope');
    const known = await tx.codes.find([...allowed.keys()]);
    const unknown = [...allowed.keys()].findIndex((code) => !known.has(code));
    if (unknown >= 0)
      throw notFound(healthBillingReasons.CODE_UNKNOWN, `entries[${unknown}].code is not in the catalogue`);
    await tx.feeSchedules.replace(request.clinic, currency, allowed);
    const response: PutFeeScheduleResponse = { entries: allowed.size };
    await tx.remember(operation, key, PutFeeScheduleAnswer.encode(response).finish());
    return response;
  });
}
