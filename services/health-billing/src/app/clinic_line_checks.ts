// The risk package's clinic line checks that refuse, run at finalize on every line before anything is adjudicated or
// charged. What they need is read in the finalize's transaction, after the member year's lock (so two finalizes of
// the patient's bills take turns): the catalogue's maximum quantity per code and the lines billed to the patient on
// the same service dates in their other finalized bills (not voided or reversed; lines that charge someone), at any
// clinic. Read, not kept in memory: the lines' codes are sealed, so there is no count by code to rebuild state from
// without opening every line, while a patient's lines on a few days are a handful; and every instance then sees the
// same rows, restarts forget nothing. A refusing finding refuses the finalize with the line's index and the rule,
// never the code (a medical detail). The clinic peers comparison flags rather than refuses: clinic_peers.ts.
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition } from '@citypass/platform/errors';
import { checkBillLine, type BillLineFinding } from '@citypass/risk';
import { lineCodeContext } from './bill_wire.ts';
import type { BillRecord, HealthBillingStore, Sealer } from './store.ts';

/** A line bills at most this many of its code (bill_lines.quantity); a code with no catalogue maximum allows it. */
const maxLineQuantity = 100;
/** The earlier same-day lines read for one bill: more than any real visit, a bound on the read. */
const maxEarlierLines = 1_000;

const refusals: Partial<Record<BillLineFinding, { reason: string; rule: string }>> = {
  CLINIC_DUPLICATE_SAME_DAY: {
    reason: healthBillingReasons.CLINIC_LINE_DUPLICATE_SAME_DAY,
    rule: 'the clinic already billed this service to the patient that day',
  },
  CLINIC_QUANTITY_OVER_MAXIMUM: {
    reason: healthBillingReasons.CLINIC_LINE_QUANTITY_OVER_MAXIMUM,
    rule: "the quantity is above the catalogue's maximum per visit",
  },
  CLINIC_DAY_QUANTITY_OVER_MAXIMUM: {
    reason: healthBillingReasons.CLINIC_LINE_DAY_QUANTITY_OVER_MAXIMUM,
    rule: "the quantity billed to the patient that day, across lines and bills, goes above the catalogue's maximum",
  },
};

/** Refuses the finalize on the first refusing finding; the active lines' codes, opened, in line order. */
export async function checkClinicLines(tx: HealthBillingStore, sealer: Sealer, bill: BillRecord): Promise<string[]> {
  const lines = bill.lines.filter((line) => !line.cancelled);
  const codes = lines.map((line) => sealer.open(line.codeSealed, lineCodeContext(line.lineId)));
  const catalogue = await tx.codes.find([...new Set(codes)]);
  const earlier = await tx.bills.patientDayLines(
    {
      patientId: bill.patientId,
      serviceDates: [...new Set(lines.map((line) => line.serviceDate))],
      exceptBillId: bill.billId,
    },
    maxEarlierLines,
  );
  // Lines of this bill with one code on one day are the visit's own (quantity or separate items): only another
  // finalized bill of the clinic billing the code that day again is a duplicate. Every bill's quantity counts
  // toward the day's maximum.
  const billedThatDay = new Map<string, number>();
  const quantityThatDay = new Map<string, number>();
  for (const line of earlier) {
    const key = `${line.serviceDate} ${sealer.open(line.codeSealed, lineCodeContext(line.lineId))}`;
    if (line.clinic === bill.clinic) billedThatDay.set(key, (billedThatDay.get(key) ?? 0) + 1);
    quantityThatDay.set(key, (quantityThatDay.get(key) ?? 0) + line.quantity);
  }
  lines.forEach((line, index) => {
    const code = codes[index] as string;
    const key = `${line.serviceDate} ${code}`;
    const dayQuantityBefore = quantityThatDay.get(key) ?? 0;
    quantityThatDay.set(key, dayQuantityBefore + line.quantity);
    const check = checkBillLine(
      {
        serviceCode: code,
        quantity: line.quantity,
        catalogueMaxQuantity: catalogue.get(code)?.maxQuantity || maxLineQuantity,
      },
      { sameDayLines: billedThatDay.get(key) ?? 0, dayQuantityBefore },
    );
    for (const finding of check.findings) {
      const refusal = refusals[finding];
      if (refusal !== undefined) throw failedPrecondition(refusal.reason, `line ${index} is refused: ${refusal.rule}`);
    }
  });
  return codes;
}
