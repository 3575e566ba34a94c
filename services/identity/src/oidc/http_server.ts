// The identity HTTP listener: sign-in pages and health here, everything else (OIDC, OpenID4VCI) to the current
// oidc-provider instance, which main.ts replaces when the issuer keys rotate.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { IdentityDeps } from '../app/deps.ts';
import { guardBody } from './body_limit.ts';
import { formBodyLimitBytes, handleInteraction } from './interactions.ts';
import { handleResidentRevocation, revocationBodyLimitBytes } from './resident_endpoints.ts';
import { statusListHandler } from './status_list.ts';

/** PAR, token, revocation and credential requests: well under oidc-provider's own 56 KiB, so this limit decides. */
const oidcBodyLimitBytes = 16 * 1024;
/** Endpoints that take no body at all (oidc-provider's GET routes, the nonce endpoint, health, status). */
const bodylessPaths: ReadonlySet<string> = new Set(['/challenge', '/healthz', '/status']);

export function createHttpServer(deps: IdentityDeps, currentProvider: () => Provider): Server {
  const statusList = statusListHandler(deps);
  return createServer((request, response) => {
    if (!guardBody(request, response, bodyLimitOf(request.method ?? 'GET', pathOf(request)))) return;
    route(deps, currentProvider(), statusList, request, response).catch((error: unknown) => {
      // A request refused for its body (or whose client went away) was answered or cut already.
      if (response.writableEnded || request.destroyed) return;
      deps.logger.error('http request failed', { path: pathOf(request), error });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'server_error', error_description: 'internal error' }));
    });
  });
}

function bodyLimitOf(method: string, path: string): number {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || bodylessPaths.has(path)) return 0;
  if (path === '/credential/revoke') return revocationBodyLimitBytes;
  if (path.startsWith('/interaction/')) return formBodyLimitBytes;
  return oidcBodyLimitBytes;
}

async function route(
  deps: IdentityDeps,
  provider: Provider,
  statusList: (response: ServerResponse) => Promise<void>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = pathOf(request);
  if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
    return;
  }
  if (path === '/status' && request.method === 'GET') {
    await statusList(response);
    return;
  }
  if (path === '/credential/revoke') {
    await handleResidentRevocation(provider, deps, request, response);
    return;
  }
  if (path.startsWith('/interaction/')) {
    await handleInteraction(provider, deps, request, response, path);
    return;
  }
  const handle = provider.callback() as (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  await handle(request, response);
}

function pathOf(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://localhost').pathname;
}
