// What the clinic-line rules read: the same service for the same patient at the same clinic earlier the same day, a
// quantity above the catalogue's maximum, how far a clinic bills a code above its peers (its share of lines with
// that code against every clinic's share, over a 30-day half-life; and its lines of the code over a 24 h half-life
// against the other clinics' mean), and on how many earlier days this month the clinic billed this patient.
import type { ClinicLine, RiskEvent } from './event.ts';
import { DecayingTotals } from './decay.ts';
import { feature as f } from './features.ts';
import { peerRatio, quantityOverMaximum } from './clinic_checks.ts';

const dayMs = 86_400_000;
const day24h = 1;
const month = 2;
/** Billing days kept per patient and clinic. */
export const patientDaysKept = 8;
const patientDaysWindow = 30;
/** Below this many lines (30-day decayed) a clinic has too little history to compare with its peers. */
export const minimumLinesForPeers = 20;

export class ClinicState {
  private day = -1;
  /** Lines per "resident clinic code" today; cleared when the day changes, so it never outgrows one day. */
  private readonly today = new Map<string, number>();
  private readonly clinicCode = new Map<string, DecayingTotals>();
  private readonly clinic = new Map<string, DecayingTotals>();
  private readonly code = new Map<string, DecayingTotals>();
  private readonly all = new DecayingTotals();
  /** Per "resident clinic": the last days (day numbers) the clinic billed the patient, newest last. */
  private readonly patientDays = new Map<string, number[]>();

  features(event: RiskEvent, line: ClinicLine, out: Float64Array): void {
    const day = Math.floor(event.atMs / dayMs);
    out[f.clinic_same_day_duplicates] = day === this.day ? (this.today.get(todayKey(event, line)) ?? 0) : 0;
    out[f.clinic_quantity_over_max] = quantityOverMaximum(line);
    out[f.clinic_code_peer_ratio] = this.peerShareRatio(event, line);
    let earlierDays = 0;
    for (const billed of this.patientDays.get(patientKey(event)) ?? [])
      if (billed < day && day - billed <= patientDaysWindow) earlierDays += 1;
    out[f.clinic_patient_days_30d] = earlierDays;
    const lines =
      (this.clinicCode.get(`${event.merchantId} ${line.serviceCode}`)?.countAt(day24h, event.atMs) ?? 0) + 1;
    out[f.clinic_code_lines_24h] = lines;
    const peerLines = this.peerLinesPerClinic24h(event, line);
    out[f.clinic_code_peer_ratio_24h] = peerLines === undefined ? 1 : peerRatio(lines, peerLines);
  }

  record(event: RiskEvent, line: ClinicLine): void {
    const day = Math.floor(event.atMs / dayMs);
    if (day !== this.day) {
      this.today.clear();
      this.day = day;
    }
    const key = todayKey(event, line);
    this.today.set(key, (this.today.get(key) ?? 0) + 1);
    totalsIn(this.clinicCode, `${event.merchantId} ${line.serviceCode}`).add(event.atMs, line.quantity);
    totalsIn(this.clinic, event.merchantId).add(event.atMs, line.quantity);
    totalsIn(this.code, line.serviceCode).add(event.atMs, line.quantity);
    this.all.add(event.atMs, line.quantity);
    const patient = patientKey(event);
    const days = this.patientDays.get(patient) ?? [];
    if (days.at(-1) !== day) days.push(day);
    if (days.length > patientDaysKept) days.shift();
    this.patientDays.set(patient, days);
  }

  /** The other clinics' mean count of `line`'s code over the 24 h half-life; undefined with no other clinic. */
  private peerLinesPerClinic24h(event: RiskEvent, line: ClinicLine): number | undefined {
    const own = this.clinicCode.get(`${event.merchantId} ${line.serviceCode}`)?.countAt(day24h, event.atMs) ?? 0;
    const code = this.code.get(line.serviceCode)?.countAt(day24h, event.atMs) ?? 0;
    const peers = this.clinic.size - (this.clinic.has(event.merchantId) ? 1 : 0);
    return peers <= 0 ? undefined : Math.max(0, code - own) / peers;
  }

  private peerShareRatio(event: RiskEvent, line: ClinicLine): number {
    const atMs = event.atMs;
    const clinicLines = this.clinic.get(event.merchantId)?.countAt(month, atMs) ?? 0;
    if (clinicLines < minimumLinesForPeers) return 1;
    const clinicCodeLines = this.clinicCode.get(`${event.merchantId} ${line.serviceCode}`)?.countAt(month, atMs) ?? 0;
    const codeLines = this.code.get(line.serviceCode)?.countAt(month, atMs) ?? 0;
    const allLines = this.all.countAt(month, atMs);
    if (codeLines === 0 || allLines === 0) return 1;
    return clinicCodeLines / clinicLines / (codeLines / allLines);
  }
}

function todayKey(event: RiskEvent, line: ClinicLine): string {
  return `${event.residentId} ${event.merchantId} ${line.serviceCode}`;
}

function patientKey(event: RiskEvent): string {
  return `${event.residentId} ${event.merchantId}`;
}

function totalsIn(map: Map<string, DecayingTotals>, key: string): DecayingTotals {
  let totals = map.get(key);
  if (totals === undefined) map.set(key, (totals = new DecayingTotals()));
  return totals;
}
