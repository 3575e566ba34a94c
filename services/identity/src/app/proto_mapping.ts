// Between wire enums and domain values.
import { ConcessionClass as ProtoConcession } from '@citypass/proto/identity/v1/identity';
import { invalidArgument } from '@citypass/platform/errors';
import type { ConcessionClass } from '../domain/resident.ts';

const byProto = new Map<ProtoConcession, ConcessionClass>([
  [ProtoConcession.CONCESSION_CLASS_ADULT, 'adult'],
  [ProtoConcession.CONCESSION_CLASS_CHILD, 'child'],
  [ProtoConcession.CONCESSION_CLASS_SENIOR, 'senior'],
  [ProtoConcession.CONCESSION_CLASS_STUDENT, 'student'],
]);

export function concessionFromProto(value: ProtoConcession): ConcessionClass {
  const concession = byProto.get(value);
  if (concession === undefined) throw invalidArgument('CONCESSION_CLASS_INVALID', 'concession class must be adult, child, senior or student');
  return concession;
}

export function concessionToProto(value: string): ProtoConcession {
  for (const [proto, domain] of byProto) if (domain === value) return proto;
  return ProtoConcession.CONCESSION_CLASS_UNSPECIFIED;
}
