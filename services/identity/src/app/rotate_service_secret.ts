// Operator command: a new client secret for an onboarded client_secret_basic service, returned once. The old
// secret stops working at once: no grace period, so a leaked secret is dead the moment the operator rotates, and
// the service switches to the new one before its next token request (its current access token, at most 5
// minutes old, keeps working meanwhile). Idempotent by key: a repeat returns the same new secret (stored sealed).
import { randomBytes } from 'node:crypto';
import { RotateServiceSecretRequest, RotateServiceSecretResponse } from '@citypass/proto/identity/v1/identity';
import { identityReasons } from '@citypass/contracts';
import { failedPrecondition, notFound } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { withTransaction } from '@citypass/platform/pg';
import { validateServiceName } from '../domain/service_name.ts';
import { appendAudit } from '../store/audit.ts';
import { clientRow } from '../store/oidc_adapter.ts';
import { findClientPayload, findService, rotateServiceSecretRow } from '../store/services.ts';
import type { IdentityDeps } from './deps.ts';
import { serviceClientOf } from './service_clients.ts';

export async function rotateServiceSecret(
  deps: IdentityDeps,
  actor: string,
  request: RotateServiceSecretRequest,
): Promise<RotateServiceSecretResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const name = validateServiceName(request.clientId);
  const fingerprint = RotateServiceSecretRequest.encode({ ...request, idempotencyKey: '' }).finish();
  return withTransaction(deps.pool, async (client) => {
    const claim = await deps.idempotency.claim(client, 'rotate_service_secret', key, fingerprint);
    if (claim.replayed) return RotateServiceSecretResponse.decode(claim.response);
    const before = await findService(client, name, { forUpdate: true });
    const stored = await findClientPayload(client, name);
    if (before === undefined || stored === undefined)
      throw notFound(identityReasons.SERVICE_NOT_FOUND, `no service "${name}" is onboarded`);
    if (before.authMethod !== 'client_secret_basic')
      throw failedPrecondition(
        identityReasons.SERVICE_HAS_NO_SECRET,
        'the service signs its token requests with its own keys: it has no secret to rotate',
      );
    const clientSecret = randomBytes(32).toString('base64url');
    const { client_secret_sealed: _old, ...metadata } = stored;
    const { payload } = clientRow(deps.box, name, { ...metadata, client_secret: clientSecret });
    const after = await rotateServiceSecretRow(client, name, { at: new Date(deps.now()), payload });
    await appendAudit(client, {
      actor,
      action: 'service.secret_rotated',
      subjectId: name,
      details: { secretVersionBefore: before.secretVersion, secretVersionAfter: after.secretVersion },
    });
    const response: RotateServiceSecretResponse = { service: serviceClientOf(after), clientSecret };
    await deps.idempotency.record(
      client,
      'rotate_service_secret',
      key,
      RotateServiceSecretResponse.encode(response).finish(),
    );
    return response;
  });
}
