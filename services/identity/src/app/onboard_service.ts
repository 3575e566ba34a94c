// Operator command: register a city service (parking, bike share, a shop) as an OIDC client that can obtain
// JWT access tokens with its `charge:<name>` scope, and announce it so the wallet opens its merchant account (and,
// with the location of its counter, places it for the risk engine's travel checks).
import { createPublicKey, randomBytes, type JsonWebKey } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import { OnboardServiceRequest, OnboardServiceResponse } from '@citypass/proto/identity/v1/identity';
import { alreadyExists, invalidArgument } from '@citypass/platform/errors';
import { isUniqueViolation, withTransaction } from '@citypass/platform/pg';
import { serviceOnboarded } from '../bus/identity_events.ts';
import { serviceScopes, validateContactEmail, validateServiceName } from '../domain/service_name.ts';
import { appendAudit } from '../store/audit.ts';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { checkText } from '@citypass/platform/text';
import { serviceScopesProperty } from '../oidc/resource_servers.ts';
import { clientRow } from '../store/oidc_adapter.ts';
import { insertOidcPayload, insertService } from '../store/services.ts';
import type { IdentityDeps } from './deps.ts';
import { identityReasons, isGeoPoint } from '@citypass/contracts';

export async function onboardService(
  deps: IdentityDeps,
  actor: string,
  request: OnboardServiceRequest,
): Promise<OnboardServiceResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const name = validateServiceName(request.name);
  const scopes = serviceScopes(name, request.extraScopes);
  const contactEmail = validateContactEmail(request.contactEmail);
  const displayName = request.displayName.trim() || name;
  checkText(displayName, 'display_name', 100);
  const jwks = request.jwksJson === '' ? undefined : parsePublicJwks(request.jwksJson);
  const location = request.location;
  if (location !== undefined && !isGeoPoint(location))
    throw invalidArgument(
      identityReasons.LOCATION_INVALID,
      'location must be a latitude of -90,000,000..90,000,000 and a longitude of -180,000,000..180,000,000 microdegrees',
    );
  const authMethod = jwks === undefined ? 'client_secret_basic' : 'private_key_jwt';
  const fingerprint = OnboardServiceRequest.encode({ ...request, idempotencyKey: '' }).finish();

  try {
    return await withTransaction(deps.pool, async (client) => {
      const claim = await deps.idempotency.claim(client, 'onboard_service', key, fingerprint);
      if (claim.replayed) return OnboardServiceResponse.decode(claim.response);

      await insertService(client, { name, displayName, contactEmail, scopes, authMethod });
      const clientSecret = jwks === undefined ? randomBytes(32).toString('base64url') : '';
      const metadata: AdapterPayload = {
        client_id: name,
        client_name: displayName,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: authMethod,
        [serviceScopesProperty]: scopes.join(' '),
        contacts: [contactEmail],
        ...(jwks === undefined ? { client_secret: clientSecret } : { jwks }),
      };
      const row = clientRow(deps.box, name, metadata);
      await insertOidcPayload(client, row);
      await serviceOnboarded(client, { serviceName: name, clientId: name, displayName, scopes, location });
      await appendAudit(client, {
        actor,
        action: 'service.onboarded',
        subjectId: name,
        details: { authMethod, scopes: scopes.join(' ') },
      });
      const response: OnboardServiceResponse = {
        clientId: name,
        clientSecret,
        scopes,
        tokenEndpoint: `${deps.issuer}/token`,
        tokenEndpointAuthMethod: authMethod,
      };
      await deps.idempotency.record(client, 'onboard_service', key, OnboardServiceResponse.encode(response).finish());
      return response;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw alreadyExists(identityReasons.SERVICE_EXISTS, `a service named "${name}" is already onboarded`);
    throw error;
  }
}

const minRsaBits = 2048;

/**
 * Public signing keys only, each one importable as oidc-provider will import it later: EC P-256 (x, y on the
 * curve) or RSA (n, e, at least 2048 bits). Any private member or an unusable key is refused here, before
 * anything is written, instead of failing every token request afterwards.
 */
function parsePublicJwks(text: string): { keys: Record<string, unknown>[] } {
  // PostgreSQL's jsonb cannot store a NUL character, escaped or not.
  if (text.includes('\u0000') || text.includes('\\u0000'))
    throw invalidArgument(identityReasons.JWKS_INVALID, 'jwks_json must not contain NUL characters');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidArgument(identityReasons.JWKS_INVALID, 'jwks_json is not JSON');
  }
  const keys = typeof parsed === 'object' && parsed !== null && 'keys' in parsed ? parsed.keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 5)
    throw invalidArgument(identityReasons.JWKS_INVALID, 'jwks_json must hold 1-5 keys');
  for (const key of keys as unknown[]) {
    if (typeof key !== 'object' || key === null)
      throw invalidArgument(identityReasons.JWKS_INVALID, 'every key must be an object');
    const record = key as Record<string, unknown>;
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].some((member) => member in record)) {
      throw invalidArgument(identityReasons.JWKS_PRIVATE_KEY, 'jwks_json must hold public keys only');
    }
    checkImportable(record);
  }
  return { keys: keys as Record<string, unknown>[] };
}

function checkImportable(record: Record<string, unknown>): void {
  const ec =
    record.kty === 'EC' && record.crv === 'P-256' && typeof record.x === 'string' && typeof record.y === 'string';
  const rsa = record.kty === 'RSA' && typeof record.n === 'string' && typeof record.e === 'string';
  if (!ec && !rsa) throw invalidArgument(identityReasons.JWKS_INVALID, 'keys must be EC P-256 (x, y) or RSA (n, e)');
  let details;
  try {
    const jwk: JsonWebKey = ec
      ? { kty: 'EC', crv: 'P-256', x: record.x as string, y: record.y as string }
      : { kty: 'RSA', n: record.n as string, e: record.e as string };
    details = createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyDetails;
  } catch {
    throw invalidArgument(identityReasons.JWKS_INVALID, 'a key is not a valid public key');
  }
  if (rsa && (details?.modulusLength ?? 0) < minRsaBits)
    throw invalidArgument(identityReasons.JWKS_INVALID, `RSA keys must have at least ${minRsaBits} bits`);
}
