// Concession classes as the console's forms name them, and identity's wire values for each.
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';

export const concessions = ['adult', 'child', 'senior', 'student'] as const;

export const concessionWire: Readonly<Record<string, ConcessionClass>> = {
  adult: ConcessionClass.CONCESSION_CLASS_ADULT,
  child: ConcessionClass.CONCESSION_CLASS_CHILD,
  senior: ConcessionClass.CONCESSION_CLASS_SENIOR,
  student: ConcessionClass.CONCESSION_CLASS_STUDENT,
};

export function concessionName(wire: ConcessionClass | undefined): string {
  return Object.entries(concessionWire).find(([, value]) => value === wire)?.[0] ?? 'unknown';
}
