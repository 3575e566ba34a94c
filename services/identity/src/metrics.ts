// What an operator graphs for identity: issuance and revocation rates, sign-in outcomes (a spike in failures is an
// attack), and the outbox relay's lag (events not yet on JetStream).
import { metrics } from '@opentelemetry/api';
import { relayLag } from '@citypass/platform/outbox';
import type { Pool } from '@citypass/platform/pg';

const meter = metrics.getMeter('citypass.identity');

export const identityMetrics = {
  credentialsIssued: meter.createCounter('citypass.identity.credentials_issued', { description: 'Mobile credentials issued' }),
  credentialsRevoked: meter.createCounter('citypass.identity.credentials_revoked', { description: 'Credentials revoked, by who revoked them' }),
  signIns: meter.createCounter('citypass.identity.sign_ins', { description: 'Sign-in attempts by outcome and reason' }),
};

/** Observes the outbox lag on each scrape (one cheap indexed query). */
export function observeOutboxLag(pool: Pool): void {
  const unpublished = meter.createObservableGauge('citypass.outbox.unpublished', { description: 'Events written but not yet relayed' });
  const oldestAge = meter.createObservableGauge('citypass.outbox.oldest_age', { description: 'Age of the oldest unrelayed event', unit: 'ms' });
  meter.addBatchObservableCallback(async (observer) => {
    const lag = await relayLag(pool);
    observer.observe(unpublished, lag.unpublished);
    observer.observe(oldestAge, lag.oldestAgeMs);
  }, [unpublished, oldestAge]);
}
