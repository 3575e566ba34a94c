// Identity's events, written to the outbox inside the transaction that makes the change.
import {
  CredentialIssued,
  CredentialRevoked,
  ServiceOnboarded,
} from '@citypass/proto/identity/v1/identity';
import { appendEvent } from '@citypass/platform/outbox';
import type { Queryable } from '@citypass/platform/pg';

export const identitySubjects = {
  all: 'identity.v1.events.>',
  credentialIssued: 'identity.v1.events.credential.issued',
  credentialRevoked: 'identity.v1.events.credential.revoked',
  serviceOnboarded: 'identity.v1.events.service.onboarded',
} as const;

const source = 'identity';

export async function credentialIssued(db: Queryable, event: CredentialIssued): Promise<void> {
  await appendEvent(db, { type: identitySubjects.credentialIssued, source, payload: CredentialIssued.encode(event).finish() });
}

export async function credentialRevoked(db: Queryable, event: CredentialRevoked): Promise<void> {
  await appendEvent(db, { type: identitySubjects.credentialRevoked, source, payload: CredentialRevoked.encode(event).finish() });
}

export async function serviceOnboarded(db: Queryable, event: ServiceOnboarded): Promise<void> {
  await appendEvent(db, { type: identitySubjects.serviceOnboarded, source, payload: ServiceOnboarded.encode(event).finish() });
}
