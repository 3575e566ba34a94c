// Learns the clinics and insurers from identity's service.onboarded events: a service with `bill:<name>` is a
// clinic, one with `insure:<name>` an insurer (a service may be both). Each event is processed once (inbox), in
// the same transaction as what it records; no code change onboards a clinic.
import { identityEventSubjects, serviceScope } from '@citypass/contracts';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { ServiceOnboarded } from '@citypass/proto/identity/v1/identity';
import type { Logger } from '@citypass/platform/log';
import { startConsumer } from '@citypass/platform/outbox';
import type { HealthBillingStore, PartyKind } from '../app/store.ts';

const consumer = 'health-billing-parties';

export async function startIdentityConsumer(options: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  store: HealthBillingStore;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  return startConsumer({
    js: options.js,
    jsm: options.jsm,
    stream: options.stream,
    durable: consumer,
    filterSubject: identityEventSubjects.serviceOnboarded,
    logger: options.logger,
    handler: async (envelope) => {
      if (envelope.type !== identityEventSubjects.serviceOnboarded) return;
      const event = ServiceOnboarded.decode(envelope.payload);
      const kinds = partyKindsOf(event);
      if (kinds.length === 0) return;
      await options.store.transaction(async (tx) => {
        if (!(await tx.processOnce(consumer, envelope.id))) return;
        for (const kind of kinds) {
          await tx.parties.add({
            name: event.serviceName,
            kind,
            displayName: event.displayName.slice(0, 128),
            onboardedAtMs: envelope.occurredAt?.getTime() ?? Date.now(),
          });
        }
      });
    },
  });
}

export function partyKindsOf(event: ServiceOnboarded): PartyKind[] {
  const scopes = new Set(event.scopes);
  const kinds: PartyKind[] = [];
  if (scopes.has(serviceScope('bill', event.serviceName))) kinds.push('clinic');
  if (scopes.has(serviceScope('insure', event.serviceName))) kinds.push('insurer');
  return kinds;
}
