// Between wire enums and domain values.
import { ConcessionClass as ProtoConcession } from '@citypass/proto/identity/v1/identity';
import { invalidArgument } from '@citypass/platform/errors';
import { identityReasons, concessions } from '@citypass/contracts';
import type { ConcessionClass } from '../domain/resident.ts';

/** CONCESSION_CLASS_<NAME> on the wire for each concession of @citypass/contracts. */
const byProto = new Map<ProtoConcession, ConcessionClass>(
  concessions.map((concession) => {
    const wire = ProtoConcession[`CONCESSION_CLASS_${concession.toUpperCase()}` as keyof typeof ProtoConcession];
    return [wire, concession];
  }),
);

export function concessionFromProto(value: ProtoConcession): ConcessionClass {
  const concession = byProto.get(value);
  if (concession === undefined)
    throw invalidArgument(
      identityReasons.CONCESSION_CLASS_INVALID,
      `concession class must be one of ${concessions.join(', ')}`,
    );
  return concession;
}

export function concessionToProto(value: string): ProtoConcession {
  for (const [proto, domain] of byProto) if (domain === value) return proto;
  return ProtoConcession.CONCESSION_CLASS_UNSPECIFIED;
}
