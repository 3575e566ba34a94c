// Endpoints a signed-in resident's app calls with its DPoP-bound token (the one it used for the credential):
// POST /credential/revoke {"credential_id": "..."} revokes one of the resident's own credentials, e.g. the
// one on a lost phone, from a new phone. The body is read and checked before the DPoP proof is verified (and
// so spent): a body refused for its size or syntax does not burn the app's proof.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { isDomainError, type DomainError } from '@citypass/platform/errors';
import type { IdentityDeps } from '../app/deps.ts';
import { revokeCredential } from '../app/revoke_credential.ts';
import { tooLargeBody } from './body_limit.ts';
import { verifyDpopBoundToken } from './dpop.ts';
import { httpStatusOf } from './http_status.ts';
import { identityReasons } from '@citypass/contracts';

/** This endpoint's body limit, enforced by the HTTP listener (body_limit.ts) before the body is read here. */
export const revocationBodyLimitBytes = 4096;

export async function handleResidentRevocation(
  provider: Provider,
  deps: IdentityDeps,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'POST') {
    sendJson(response, 405, { error: 'invalid_request', error_description: 'use POST' });
    return;
  }
  const body = await readJson(request);
  if (body === 'too_large') {
    response.setHeader('connection', 'close');
    sendJson(response, 413, tooLargeBody);
    return;
  }
  if (body === 'invalid') {
    sendJson(response, 400, {
      error: 'invalid_request',
      error_description: 'the body must be a JSON object',
      reason: identityReasons.BODY_INVALID,
    });
    return;
  }
  try {
    const token = await verifyDpopBoundToken(
      provider,
      request,
      `${deps.issuer}/credential/revoke`,
      `${deps.issuer}/credential`,
      deps.now(),
    );
    const credentialId = typeof body.credential_id === 'string' ? body.credential_id : '';
    const status = await revokeCredential(deps, credentialId, 'revoked by the resident', {
      by: 'resident',
      actor: `resident:${token.accountId}`,
      residentId: token.accountId,
    });
    sendJson(response, 200, {
      credential_id: status.credentialId,
      status: status.status,
      revoked_at: status.revokedAt?.toISOString(),
    });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    sendError(response, error);
  }
}

/**
 * The body as a JSON object. The listener refuses bodies over the limit before they get here; the check below is
 * a backstop that stops reading (the connection closes after the 413).
 */
function readJson(request: IncomingMessage): Promise<Record<string, unknown> | 'too_large' | 'invalid'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= revocationBodyLimitBytes) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData).off('end', onEnd).pause();
      resolve('too_large');
    };
    const onEnd = (): void => {
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(
          typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : 'invalid',
        );
      } catch {
        resolve('invalid');
      }
    };
    request.on('data', onData).on('end', onEnd).once('error', reject);
  });
}

function sendError(response: ServerResponse, error: DomainError): void {
  // RFC 9449: a refused token or proof is a DPoP challenge; anything else is about the request.
  if (error.kind === 'unauthenticated')
    response.setHeader('www-authenticate', `DPoP error="invalid_token", algs="ES256"`);
  const code = error.kind === 'unauthenticated' ? 'invalid_token' : 'invalid_request';
  sendJson(response, httpStatusOf(error.kind), { error: code, error_description: error.message, reason: error.reason });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
