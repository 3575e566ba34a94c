// Identity's events, written to the outbox inside the transaction that makes the change.
import {
  CredentialIssued,
  CredentialRevoked,
  ServiceOnboarded,
  ServiceResumed,
  ServiceSuspended,
} from '@citypass/proto/identity/v1/identity';
import { identityEventSubjects as subjects } from '@citypass/contracts';
import { appendEvent } from '@citypass/platform/outbox';
import type { Queryable } from '@citypass/platform/pg';

const source = 'identity';

export async function credentialIssued(db: Queryable, event: CredentialIssued): Promise<void> {
  await appendEvent(db, { type: subjects.credentialIssued, source, payload: CredentialIssued.encode(event).finish() });
}

export async function credentialRevoked(db: Queryable, event: CredentialRevoked): Promise<void> {
  await appendEvent(db, {
    type: subjects.credentialRevoked,
    source,
    payload: CredentialRevoked.encode(event).finish(),
  });
}

export async function serviceOnboarded(db: Queryable, event: ServiceOnboarded): Promise<void> {
  await appendEvent(db, { type: subjects.serviceOnboarded, source, payload: ServiceOnboarded.encode(event).finish() });
}

export async function serviceSuspended(db: Queryable, event: ServiceSuspended): Promise<void> {
  await appendEvent(db, { type: subjects.serviceSuspended, source, payload: ServiceSuspended.encode(event).finish() });
}

export async function serviceResumed(db: Queryable, event: ServiceResumed): Promise<void> {
  await appendEvent(db, { type: subjects.serviceResumed, source, payload: ServiceResumed.encode(event).finish() });
}
