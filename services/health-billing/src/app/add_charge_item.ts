// A clinic adds a line to one of its open bills. The code must be in the catalogue (its category prices the line);
// the code and the note are sealed before they reach the store.
import { randomUUID } from 'node:crypto';
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition, invalidArgument, notFound } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  AddChargeItemRequest as AddChargeItemMessage,
  AddChargeItemResponse as AddChargeItemAnswer,
  type AddChargeItemRequest,
  type AddChargeItemResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { maxBillLines } from '../domain/adjudication.ts';
import { isServiceDate } from '../domain/dates.ts';
import { checkAmount } from './amounts.ts';
import { checkBillId, clinicBill } from './bill_access.ts';
import { auditedBillOf, lineCodeContext, lineNoteContext } from './bill_wire.ts';
import { checkCode, checkMedicalText } from './medical_text.ts';
import { serviceDateOf } from './service_date.ts';
import type { BillRecord } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

const maxUnitPriceMinor = 1_000_000_000n;

export async function addChargeItem(
  deps: VisitDeps,
  clinic: string,
  request: AddChargeItemRequest,
): Promise<AddChargeItemResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkBillId(request.billId);
  const code = checkCode(request.code);
  const serviceDate = request.serviceDate === '' ? serviceDateOf(deps.now()) : request.serviceDate;
  if (!isServiceDate(serviceDate))
    throw invalidArgument(healthBillingReasons.DATE_INVALID, 'service_date must be a date YYYY-MM-DD');
  if (request.quantity < 1 || request.quantity > 100)
    throw invalidArgument(healthBillingReasons.QUANTITY_INVALID, 'quantity must be 1-100');
  const unitPriceMinor = checkAmount(request.unitPriceMinor, 'unit_price_minor', { positive: true });
  if (unitPriceMinor > maxUnitPriceMinor)
    throw invalidArgument(healthBillingReasons.AMOUNT_INVALID, `unit_price_minor must be at most ${maxUnitPriceMinor}`);
  const note = checkMedicalText(request.note, 'note', 512);
  const operation = `${clinic}:add_charge_item`;
  const requestBytes = AddChargeItemMessage.encode({ ...request, idempotencyKey: '' }).finish();
  return deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return AddChargeItemAnswer.decode(first);
    const bill = await clinicBill(tx, clinic, request.billId, { forUpdate: true, status: 'open' });
    if (bill.lines.length >= maxBillLines)
      throw failedPrecondition(healthBillingReasons.TOO_MANY_LINES, `a bill holds at most ${maxBillLines} lines`);
    const entry = deps.catalogue.current.entries.get(code);
    if (entry === undefined) throw notFound(healthBillingReasons.CODE_UNKNOWN, 'code is not in the catalogue');
    const lineId = randomUUID();
    await tx.bills.addLine(bill.billId, {
      lineId,
      seq: bill.lines.length + 1,
      codeSealed: deps.sealer.seal(code, lineCodeContext(lineId)),
      category: entry.category,
      serviceDate,
      quantity: request.quantity,
      unitPriceMinor,
      billedMinor: unitPriceMinor * BigInt(request.quantity),
      noteSealed: note === '' ? undefined : deps.sealer.seal(note, lineNoteContext(lineId)),
    });
    const updated = (await tx.bills.get(bill.billId)) as BillRecord;
    const response: AddChargeItemResponse = { bill: await auditedBillOf(tx, updated, deps.sealer, 'treatment') };
    await tx.remember(operation, key, AddChargeItemAnswer.encode(response).finish());
    return response;
  });
}
