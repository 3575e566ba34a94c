import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IssuerKeys,
  PresentationVerifier,
  ReplayCache,
  RevocationSet,
  type VerifiedPresentation,
} from '@citypass/credential';
import { decideTap } from './decide.ts';
import { makeIssuer, testIssuer } from './test_support.ts';

const issuer = makeIssuer();

function verifier(revocations = new RevocationSet()): PresentationVerifier {
  return new PresentationVerifier({
    issuer: testIssuer,
    issuerKeys: new IssuerKeys({ jwks: JSON.parse(issuer.jwksJson) as unknown }),
    revocations,
    replayCache: new ReplayCache(),
  });
}

const nobodyDenied = { isDenied: () => false };

test('decide - a valid presentation opens, with the verified resident', async () => {
  const resident = issuer.resident();
  const decided = await decideTap(verifier(), nobodyDenied, resident.present(), Date.now());
  assert.ok(decided.decision === 'OPEN');
  assert.equal(decided.presentation.subject, resident.residentId);
});

test('decide - a resident on the deny list is DENY DEBT_OUTSTANDING, after verification', async () => {
  const resident = issuer.resident();
  const decided = await decideTap(
    verifier(),
    { isDenied: (id) => id === resident.residentId },
    resident.present(),
    Date.now(),
  );
  assert.equal(decided.decision, 'DENY');
  assert.equal(decided.reason, 'DEBT_OUTSTANDING');
  assert.equal((decided.presentation as VerifiedPresentation).credentialId, resident.credentialId);
});

test('decide - verification failures are DENY with their reason: revoked, replayed, expired, garbage', async () => {
  const resident = issuer.resident();
  const revoked = issuer.resident();
  const gate = verifier(new RevocationSet([revoked.credentialId]));
  const nowMs = Date.now();
  const reasonOf = async (presentation: string, atMs = nowMs): Promise<string> => {
    const decided = await decideTap(gate, nobodyDenied, presentation, atMs);
    return decided.decision === 'DENY' ? decided.reason : 'OPEN';
  };
  const presentation = resident.present(nowMs);
  assert.equal(await reasonOf(presentation), 'OPEN');
  assert.equal(await reasonOf(presentation), 'PRESENTATION_REPLAYED');
  assert.equal(await reasonOf(revoked.present(nowMs)), 'CREDENTIAL_REVOKED');
  assert.equal(await reasonOf(resident.present(nowMs - 120_000)), 'PRESENTATION_EXPIRED');
  assert.equal(await reasonOf('not a presentation'), 'MALFORMED_PRESENTATION');
});

test('decide - a presentation capped at an amount is DENY PRESENTATION_CAPPED: the fare is not known at the gate', async () => {
  const resident = issuer.resident();
  const decided = await decideTap(
    verifier(),
    nobodyDenied,
    resident.present(Date.now(), { amountMinor: 0n, currency: 'EUR' }),
    Date.now(),
  );
  assert.equal(decided.decision, 'DENY');
  assert.equal(decided.reason, 'PRESENTATION_CAPPED');
});

test('decide - a revocation counts at the gate whatever its time: a gate whose clock is behind still refuses', async () => {
  const resident = issuer.resident();
  const nowMs = Date.now();
  const revocations = new RevocationSet();
  revocations.add(resident.credentialId, nowMs);
  const behind = nowMs - 3 * 60_000;
  const decided = await decideTap(verifier(revocations), nobodyDenied, resident.present(behind), behind);
  assert.equal(decided.decision, 'DENY');
  assert.equal(decided.reason, 'CREDENTIAL_REVOKED');
});
