// What an operator graphs for identity: issuance and revocation rates and sign-in outcomes (a spike in failures is
// an attack). The outbox lag gauges come from platform.
import { metrics } from '@opentelemetry/api';

const meter = metrics.getMeter('citypass.identity');

export const identityMetrics = {
  credentialsIssued: meter.createCounter('citypass.identity.credentials_issued', {
    description: 'Mobile credentials issued',
  }),
  credentialsRevoked: meter.createCounter('citypass.identity.credentials_revoked', {
    description: 'Credentials revoked, by who revoked them',
  }),
  signIns: meter.createCounter('citypass.identity.sign_ins', { description: 'Sign-in attempts by outcome and reason' }),
};
