import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concessions } from '@citypass/contracts';
import { ConcessionClass as ProtoConcession } from '@citypass/proto/identity/v1/identity';
import { DomainError } from '@citypass/platform/errors';
import { concessionFromProto, concessionToProto } from './proto_mapping.ts';

test("proto mapping - identity.proto's ConcessionClass and the contracts' concessions are the same list, both ways", () => {
  const wire = Object.entries(ProtoConcession).filter(
    ([name]) => name !== 'CONCESSION_CLASS_UNSPECIFIED' && name !== 'UNRECOGNIZED',
  );
  assert.deepEqual(wire.map(([, value]) => concessionFromProto(value)).sort(), [...concessions].sort());
  for (const concession of concessions) assert.equal(concessionFromProto(concessionToProto(concession)), concession);
  for (const invalid of [ProtoConcession.CONCESSION_CLASS_UNSPECIFIED, ProtoConcession.UNRECOGNIZED]) {
    assert.throws(
      () => concessionFromProto(invalid),
      (error: unknown) => error instanceof DomainError && error.reason === 'CONCESSION_CLASS_INVALID',
    );
  }
});
