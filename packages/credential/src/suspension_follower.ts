// Keeps a ServiceSuspensions set equal to identity's word, for wallet, transit and health-billing alike. The set is
// rebuilt from identity's event stream at every start (the stream keeps its events: no max age), read with each
// replica's own ordered consumer, so every replica sees every change; nothing is stored in the service's database.
// A durable consumer with an inbox would not do: its replicas share the events, and a replica that never saw a
// suspension would keep accepting the suspended service's tokens. Should identity's stream ever get a max age, it
// must stay longer than an access token's life (5 minutes): a suspension aged out of the stream is then harmless,
// since the service has had no token since.
//
// While the connection is down the set keeps what it last knew, and catches up when it is back. That is the same
// exposure identity itself accepted by letting tokens live 5 minutes, and it cannot resurrect a suspended service:
// no token is issued to it meanwhile.
import { identityEventSubjects } from '@citypass/contracts';
import type { Logger } from '@citypass/platform/log';
import { followStream, type StreamFollowerOptions } from '@citypass/platform/stream_follower';
import { ServiceResumed, ServiceSuspended } from '@citypass/proto/identity/v1/identity';
import type { EventEnvelope } from '@citypass/proto/common/v1/event';
import { ServiceSuspensions, type SuspensionChange } from './service_suspensions.ts';

/** identity.v1.events.service.* (onboarded events pass through and are ignored). */
const serviceEvents = identityEventSubjects.serviceSuspended.replace(/\.suspended$/, '.*');

export interface SuspensionFollower {
  readonly suspensions: ServiceSuspensions;
  stop(): Promise<void>;
}

/**
 * Starts following and resolves once every change already in the stream is applied: a service does not take calls
 * before it knows who is suspended. Rejects (after stopping) when that takes longer than `loadTimeoutMs`.
 */
export async function followSuspensions(options: {
  readonly js: StreamFollowerOptions['js'];
  /** identity's event stream. */
  readonly stream: string;
  readonly logger: Logger;
  readonly suspensions?: ServiceSuspensions;
  readonly loadTimeoutMs?: number;
}): Promise<SuspensionFollower> {
  const suspensions = options.suspensions ?? new ServiceSuspensions();
  const follower = await followStream({
    js: options.js,
    stream: options.stream,
    filterSubject: serviceEvents,
    logger: options.logger,
    handler: (envelope, sequence) => {
      const change = suspensionChangeOf(envelope, sequence);
      if (change !== undefined && suspensions.apply(change))
        options.logger.info('service suspension changed', { service: change.service, suspended: change.suspended });
    },
  });
  if (!(await follower.caughtUp(options.loadTimeoutMs ?? 10_000))) {
    await follower.stop();
    throw new Error(`identity's service suspensions (${options.stream}) were not loaded in time`);
  }
  return { suspensions, stop: () => follower.stop() };
}

/** The change an identity event makes, or undefined for events about something else. */
export function suspensionChangeOf(envelope: EventEnvelope, sequence: number): SuspensionChange | undefined {
  if (envelope.type === identityEventSubjects.serviceSuspended) {
    const event = ServiceSuspended.decode(envelope.payload);
    return { service: event.clientId, suspended: true, atMs: timeOf(event.suspendedAt, envelope), sequence };
  }
  if (envelope.type === identityEventSubjects.serviceResumed) {
    const event = ServiceResumed.decode(envelope.payload);
    return { service: event.clientId, suspended: false, atMs: timeOf(event.resumedAt, envelope), sequence };
  }
  return undefined;
}

const timeOf = (at: Date | undefined, envelope: EventEnvelope): number =>
  (at ?? envelope.occurredAt ?? new Date(0)).getTime();
