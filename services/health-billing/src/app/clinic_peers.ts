// The clinic peers check at finalize (the risk package's compareWithPeers): for each code on the bill, the clinic's
// finalized lines of it over the trailing window (this bill's included) against every other clinic billing it. Far
// above them is not refused (the clinic may be a specialist): the bill is flagged for review with the rule and the
// figures behind it, never the code, and the metric counts it. Codes are sealed, so lines are matched by a keyed
// digest of the code under the key ring (a digest the database alone cannot test catalogue guesses against);
// counted per code, day and clinic (clinic_code_days) so the read is a code's days x clinics, not its lines. The
// digests under every ring key are looked up, so a rotation loses no history; a line records its active-key digest.
// Run in the finalize's transaction after the refusing checks: a refused finalize counts nothing. A void, and a
// correction's cancelled lines, take the lines back out in their own transaction (under each line's stored digest),
// so a voided bill and its replacement count as one bill (migration 8 rebuilt the counts 7 never took back).
import { compareWithPeers, peerRuleVersion, type PeerLimits } from '@citypass/risk';
import { serviceDateOf } from './service_date.ts';
import type { BillRecord, HealthBillingStore, ReviewFlagRecord, Sealer } from './store.ts';

/** The digest's purpose: a line code's digest matches no other digest of the same text. */
export const codeDigestPurpose = 'bill_line_code';
const dayMs = 86_400_000;

/** `codes`: the bill's active lines' codes, opened, in line order. The flags stored on the bill. */
export async function flagAbovePeers(
  tx: HealthBillingStore,
  sealer: Sealer,
  bill: BillRecord,
  codes: readonly string[],
  nowMs: number,
  limits: PeerLimits,
): Promise<ReviewFlagRecord[]> {
  const distinct = [...new Set(codes)];
  const digests = distinct.map((code) => sealer.digests(code, codeDigestPurpose));
  const sinceDay = serviceDateOf(nowMs - limits.windowDays * dayMs);
  const linesByCode = await tx.clinicCodeDays.linesByClinic(digests, sinceDay);
  const flags: ReviewFlagRecord[] = [];
  distinct.forEach((code, index) => {
    const byClinic = linesByCode[index] ?? new Map<string, number>();
    const billLines = codes.filter((each) => each === code).length;
    const peers = [...byClinic].filter(([clinic]) => clinic !== bill.clinic).map(([, lines]) => lines);
    const comparison = compareWithPeers((byClinic.get(bill.clinic) ?? 0) + billLines, peers, limits);
    if (comparison.abovePeers)
      flags.push({
        rule: 'CLINIC_CODE_ABOVE_PEERS',
        ruleVersion: peerRuleVersion,
        lineIndex: codes.indexOf(code),
        windowDays: limits.windowDays,
        clinicLines: comparison.clinicLines,
        peers: comparison.peers,
        peersMedian: comparison.peersMedian,
        threshold: comparison.threshold,
      });
  });
  const lines = bill.lines.filter((line) => !line.cancelled);
  await tx.clinicCodeDays.record(
    bill.clinic,
    serviceDateOf(nowMs),
    lines.map((line, index) => ({
      lineId: line.lineId,
      codeDigest: (digests[distinct.indexOf(codes[index] as string)] as Buffer[])[0] as Buffer,
    })),
  );
  if (flags.length > 0) await tx.bills.flagForReview(bill.billId, flags);
  return flags;
}
