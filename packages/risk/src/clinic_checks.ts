// The checks on a clinic's bill lines as pure functions of a line and the counts around it: the same service for
// the same patient earlier the same day, a quantity above the catalogue's maximum, and a clinic billing a code far
// more than its peers do. The engine's clinic features are computed with these; health billing can call
// checkBillLine with counts from its own lines (any window, the same for the clinic and its peers).
import type { ClinicLine } from './event.ts';

export const billLineFindings = [
  'CLINIC_DUPLICATE_SAME_DAY',
  'CLINIC_QUANTITY_OVER_MAXIMUM',
  'CLINIC_CODE_ABOVE_PEERS',
] as const;
export type BillLineFinding = (typeof billLineFindings)[number];

export type BillLineCounts = {
  /** Lines with this code the clinic already billed this patient earlier the same day. */
  readonly sameDayLines: number;
  /** The clinic's lines with this code in the window, this line included. */
  readonly clinicCodeLines: number;
  /** The mean of the other clinics' lines with this code in the same window. */
  readonly peerCodeLinesPerClinic: number;
};

export type BillLineLimits = {
  /** Below this many lines of the code a clinic is not compared with its peers (a few lines are chance). */
  readonly minimumClinicCodeLines: number;
  /** A clinic billing a code more than this many times its peers' mean is far above them. */
  readonly maxPeerRatio: number;
};
export const defaultBillLineLimits: BillLineLimits = { minimumClinicCodeLines: 3, maxPeerRatio: 10 };
/** The peers' mean is never taken below this, so one line at a clinic whose peers bill none is not infinitely odd. */
export const peerLinesFloor = 1 / 30;

export type BillLineCheck = {
  readonly findings: readonly BillLineFinding[];
  readonly quantityOverMaximum: number;
  readonly peerRatio: number;
};

export function quantityOverMaximum(line: ClinicLine): number {
  return Math.max(0, line.quantity - line.catalogueMaxQuantity);
}

/** How many times its peers' mean a clinic bills a code (the mean floored at `peerLinesFloor`). */
export function peerRatio(clinicCodeLines: number, peerCodeLinesPerClinic: number): number {
  return clinicCodeLines / Math.max(peerLinesFloor, peerCodeLinesPerClinic);
}

/** Every finding on one bill line, with the values behind them; no finding is an empty list. */
export function checkBillLine(
  line: ClinicLine,
  counts: BillLineCounts,
  limits: BillLineLimits = defaultBillLineLimits,
): BillLineCheck {
  const findings: BillLineFinding[] = [];
  if (counts.sameDayLines >= 1) findings.push('CLINIC_DUPLICATE_SAME_DAY');
  const overMaximum = quantityOverMaximum(line);
  if (overMaximum > 0) findings.push('CLINIC_QUANTITY_OVER_MAXIMUM');
  const ratio = peerRatio(counts.clinicCodeLines, counts.peerCodeLinesPerClinic);
  if (counts.clinicCodeLines >= limits.minimumClinicCodeLines && ratio > limits.maxPeerRatio)
    findings.push('CLINIC_CODE_ABOVE_PEERS');
  return { findings, quantityOverMaximum: overMaximum, peerRatio: ratio };
}
