// Health billing's refusal reasons, read from the HealthBillingErrorReason enum of
// proto/citypass/health_billing/v1/errors.proto through @citypass/contracts (one catalogue, held equal to the enum by
// contracts' reasons test). Re-exported here so the engine's files read them from beside them. Pure.
export { healthBillingReasons, type HealthBillingReason } from '@citypass/contracts';
