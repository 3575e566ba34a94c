// The OIDC clients identity itself defines (the resident app and the operator) and what the app may ask for.
// City services are clients too, registered at onboarding (app/onboard_service.ts).
import { operatorScopes } from '@citypass/contracts';

export const appClientId = 'citypass-app';
export const operatorClientId = 'operator';
/**
 * The operator console: a confidential web client (authorization code + PKCE + PAR, refresh tokens for each
 * resource). Its people sign in with operator accounts; their roles narrow the scopes below (resource_servers.ts).
 */
export const consoleClientId = 'console';
/**
 * The `citypass` command line as an operator's own sign-in: a public client (no secret on operators' machines)
 * using the device authorization grant (RFC 8628), with refresh tokens for each resource like the console.
 */
export const cliClientId = 'citypass-cli';
const operatorSignInClients: ReadonlySet<string> = new Set([consoleClientId, cliClientId]);
/** Whether people sign in to this client as operators (their roles narrow its tokens), not as residents. */
export const isOperatorSignInClient = (clientId: unknown): boolean =>
  typeof clientId === 'string' && operatorSignInClients.has(clientId);
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
/** The most a console token may carry; each operator gets the part of it their roles allow. */
export const consoleClientScopes = operatorClientScopes;
