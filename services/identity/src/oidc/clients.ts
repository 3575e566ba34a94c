// The OIDC clients identity itself defines (the resident app and the operator) and what the app may ask for.
// City services are clients too, registered at onboarding (app/onboard_service.ts).
import { operatorScopes } from '@citypass/contracts';

export const appClientId = 'citypass-app';
export const operatorClientId = 'operator';
/** The OpenID4VCI credential configuration, also the scope the app asks for to get the credential. */
export const credentialConfigurationId = 'citypass_resident';
/** Every scope the resident app may ask for (and so what discovery's scopes_supported lists). */
export const residentAppScopes = ['openid', credentialConfigurationId] as const;
/**
 * The operator manages identity (identity:admin), transit's fare rules and gates (transit:admin) and health
 * billing's codes, plans and fee schedules (health-billing:admin), and reads the wallet's books (wallet:admin).
 */
export const operatorClientScopes = [
  operatorScopes.identity,
  operatorScopes.wallet,
  operatorScopes.transit,
  operatorScopes.healthBilling,
] as const;
