// Each service's refusal reasons, read from its enum in proto/citypass/<svc>/v1/errors.proto: defined here once so
// the service that sends a reason and the one that matches it (transit on the wallet's) use the same name. The
// common reasons are platform's (`commonReasons`, @citypass/platform/reasons); the credential's are
// `credentialReasons` (@citypass/credential).
import { reasonCatalogue } from '@citypass/platform/reasons';
import { HealthBillingErrorReason } from '@citypass/proto/health_billing/v1/errors';
import { IdentityErrorReason } from '@citypass/proto/identity/v1/errors';
import { TransitErrorReason } from '@citypass/proto/transit/v1/errors';
import { WalletErrorReason } from '@citypass/proto/wallet/v1/errors';

export const walletReasons = reasonCatalogue(WalletErrorReason, 'WALLET_ERROR_REASON_');
export type WalletReason = keyof typeof walletReasons;

export const transitReasons = reasonCatalogue(TransitErrorReason, 'TRANSIT_ERROR_REASON_');
export type TransitReason = keyof typeof transitReasons;

export const identityReasons = reasonCatalogue(IdentityErrorReason, 'IDENTITY_ERROR_REASON_');
export type IdentityReason = keyof typeof identityReasons;

export const healthBillingReasons = reasonCatalogue(HealthBillingErrorReason, 'HEALTH_BILLING_ERROR_REASON_');
export type HealthBillingReason = keyof typeof healthBillingReasons;
