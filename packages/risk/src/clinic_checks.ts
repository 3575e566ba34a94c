// The checks on a clinic's bill lines as pure functions of a line and the counts around it: the same service for
// the same patient earlier the same day, a quantity above the catalogue's maximum (on the line, or over the
// patient's day across lines and bills), and a clinic billing a code far more than its peers do. The engine's
// clinic features are computed with these; health billing calls checkBillLine and compareWithPeers with counts
// from its own lines.
import type { ClinicLine } from './event.ts';

export const billLineFindings = [
  'CLINIC_DUPLICATE_SAME_DAY',
  'CLINIC_QUANTITY_OVER_MAXIMUM',
  'CLINIC_DAY_QUANTITY_OVER_MAXIMUM',
  'CLINIC_CODE_ABOVE_PEERS',
] as const;
export type BillLineFinding = (typeof billLineFindings)[number];

export type BillLineCounts = {
  /** Lines with this code the clinic already billed this patient earlier the same day. */
  readonly sameDayLines: number;
  /**
   * The quantity of this code already billed to the patient that day before this line: the bill's earlier lines
   * and the patient's other finalized bills (at any clinic).
   */
  readonly dayQuantityBefore: number;
};

export type BillLineCheck = {
  readonly findings: readonly BillLineFinding[];
  readonly quantityOverMaximum: number;
};

export function quantityOverMaximum(line: ClinicLine): number {
  return Math.max(0, line.quantity - line.catalogueMaxQuantity);
}

/** The refusing findings on one bill line, in a stable order; no finding is an empty list. */
export function checkBillLine(line: ClinicLine, counts: BillLineCounts): BillLineCheck {
  const findings: BillLineFinding[] = [];
  if (counts.sameDayLines >= 1) findings.push('CLINIC_DUPLICATE_SAME_DAY');
  const overMaximum = quantityOverMaximum(line);
  if (overMaximum > 0) findings.push('CLINIC_QUANTITY_OVER_MAXIMUM');
  // Split into lines (two lines of 2 against a maximum of 3) or bills, the day's quantity is still the visit's.
  else if (counts.dayQuantityBefore + line.quantity > line.catalogueMaxQuantity)
    findings.push('CLINIC_DAY_QUANTITY_OVER_MAXIMUM');
  return { findings, quantityOverMaximum: overMaximum };
}

/** The peers' mean is never taken below this, so one line at a clinic whose peers bill none is not infinitely odd. */
export const peerLinesFloor = 1 / 30;

/** How many times its peers' mean a clinic bills a code (the mean floored at `peerLinesFloor`): an engine feature. */
export function peerRatio(clinicCodeLines: number, peerCodeLinesPerClinic: number): number {
  return clinicCodeLines / Math.max(peerLinesFloor, peerCodeLinesPerClinic);
}

/** When a clinic's lines of a code are far above its peers' (CLINIC_CODE_ABOVE_PEERS): a review, not a refusal. */
export type PeerLimits = {
  /** The trailing window the lines are counted over, in days. */
  readonly windowDays: number;
  /** Fewer other clinics billing the code than this: no judgement (a median of two is not a norm). */
  readonly minimumPeers: number;
  /** Fewer lines of the code at the clinic than this (the bill's included): no judgement (a few lines are chance). */
  readonly minimumClinicLines: number;
  /** Far above: more than the peers' median plus this many robust spreads (1.4826 x the median absolute deviation). */
  readonly spreadMultiple: number;
  /** ... and more than this many times the peers' median (peers that all bill alike have no spread). */
  readonly minimumRatio: number;
};
export const defaultPeerLimits: PeerLimits = {
  windowDays: 30,
  minimumPeers: 5,
  minimumClinicLines: 20,
  spreadMultiple: 5,
  minimumRatio: 3,
};
/** The rule's version, stored with each review flag: bump it when compareWithPeers judges differently. */
export const peerRuleVersion = 1;

/** What is wrong with `limits`, every problem at once; an empty list when they are usable. */
export function peerLimitsProblems(limits: PeerLimits): string[] {
  const problems: string[] = [];
  const integer = (name: keyof PeerLimits, min: number, max: number): void => {
    const value = limits[name];
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(`${name} must be an integer from ${min} to ${max}`);
  };
  const ratio = (name: keyof PeerLimits, min: number, max: number): void => {
    const value = limits[name];
    if (!Number.isFinite(value) || value < min || value > max) problems.push(`${name} must be from ${min} to ${max}`);
  };
  integer('windowDays', 1, 366);
  integer('minimumPeers', 2, 10_000);
  integer('minimumClinicLines', 1, 1_000_000);
  ratio('spreadMultiple', 1, 100);
  ratio('minimumRatio', 1, 100);
  return problems;
}

export type PeerComparison = {
  /** Enough peers and lines to judge. */
  readonly judged: boolean;
  readonly abovePeers: boolean;
  readonly clinicLines: number;
  readonly peers: number;
  readonly peersMedian: number;
  /** Above this many lines the clinic is far above its peers (0 when not judged). */
  readonly threshold: number;
};

/**
 * The clinic's lines of a code in the window against the other clinics' (one count each, those billing the code):
 * far above when beyond both the median plus `spreadMultiple` robust spreads and `minimumRatio` times the median.
 */
export function compareWithPeers(
  clinicLines: number,
  peerLines: readonly number[],
  limits: PeerLimits = defaultPeerLimits,
): PeerComparison {
  const peersMedian = median(peerLines);
  const peers = peerLines.length;
  if (peers < limits.minimumPeers || clinicLines < limits.minimumClinicLines)
    return { judged: false, abovePeers: false, clinicLines, peers, peersMedian, threshold: 0 };
  const spread = 1.4826 * median(peerLines.map((lines) => Math.abs(lines - peersMedian)));
  const threshold = Math.max(peersMedian + limits.spreadMultiple * spread, limits.minimumRatio * peersMedian);
  return { judged: true, abovePeers: clinicLines > threshold, clinicLines, peers, peersMedian, threshold };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
