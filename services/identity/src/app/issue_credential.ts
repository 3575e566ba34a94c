// Issues the resident's mobile credential, bound to the device key proven at the credential endpoint.
// One active credential per resident: the previous one is revoked as 'replaced' in the same transaction
// (the database's partial unique index makes a second concurrent issuance fail rather than leave two).
import { randomUUID } from 'node:crypto';
import { issueCredential as signCredential, jwkThumbprint, type EcPublicJwk } from '@citypass/credential';
import { notFound } from '@citypass/platform/errors';
import { withTransaction } from '@citypass/platform/pg';
import { credentialIssued, credentialRevoked } from '../bus/identity_events.ts';
import { appendAudit } from '../store/audit.ts';
import { insertCredential, revokeReplaced } from '../store/credentials.ts';
import { lockResident } from '../store/residents.ts';
import { identityMetrics } from '../metrics.ts';
import type { IdentityDeps } from './deps.ts';
import { identityReasons } from '@citypass/contracts';

export interface IssuedCredential {
  readonly credentialId: string;
  readonly credential: string;
  readonly expiresAt: Date;
}

export async function issueResidentCredential(
  deps: IdentityDeps,
  residentId: string,
  deviceJwk: EcPublicJwk,
): Promise<IssuedCredential> {
  const keys = deps.keys();
  const nowMs = deps.now();
  // The credential's iat is whole seconds (JWT), but the old credential is revoked at the exact instant: truncated,
  // the revocation would date back to before taps the old phone made in the last second, and write them off.
  const issuedAt = new Date(Math.floor(nowMs / 1000) * 1000);
  const replacedAt = new Date(nowMs);
  const expiresAt = new Date(issuedAt.getTime() + deps.credentialTtlMs);
  const credentialId = randomUUID();
  const issued = await withTransaction(deps.pool, async (client) => {
    const resident = await lockResident(client, residentId);
    if (resident === undefined) throw notFound(identityReasons.RESIDENT_NOT_FOUND, 'no such resident');

    const replaced = await revokeReplaced(client, residentId, replacedAt);
    for (const old of replaced) {
      await credentialRevoked(client, {
        credentialId: old.id,
        residentId,
        revokedAt: replacedAt,
        revokedBy: 'replaced',
        expiresAt: old.expiresAt,
      });
      await appendAudit(client, {
        actor: `resident:${residentId}`,
        action: 'credential.revoked',
        subjectId: old.id,
        details: { by: 'replaced' },
      });
    }
    const statusIndex = await insertCredential(client, {
      id: credentialId,
      residentId,
      deviceThumbprint: jwkThumbprint(deviceJwk),
      kid: keys.signer.kid,
      issuedAt,
      expiresAt,
    });
    const credential = signCredential(
      {
        issuer: deps.issuer,
        residentId,
        credentialId,
        devicePublicJwk: deviceJwk,
        concession: resident.concession,
        ...(resident.coveragePlanRef ? { plan: resident.coveragePlanRef } : {}),
        statusIndex,
        statusUri: `${deps.issuer}/status`,
        issuedAtMs: issuedAt.getTime(),
        expiresAtMs: expiresAt.getTime(),
      },
      { kid: keys.signer.kid, privateKey: keys.signer.privateKey },
    );
    await credentialIssued(client, {
      credentialId,
      residentId,
      concessionClass: resident.concession,
      coveragePlanRef: resident.coveragePlanRef,
      expiresAt,
      replacedCredentialId: replaced[0]?.id ?? '',
    });
    await appendAudit(client, {
      actor: `resident:${residentId}`,
      action: 'credential.issued',
      subjectId: credentialId,
      details: { kid: keys.signer.kid },
    });
    return { credentialId, credential, expiresAt, replaced: replaced.length };
  });
  identityMetrics.credentialsIssued.add(1);
  if (issued.replaced > 0) identityMetrics.credentialsRevoked.add(issued.replaced, { by: 'replaced' });
  return { credentialId: issued.credentialId, credential: issued.credential, expiresAt: issued.expiresAt };
}
