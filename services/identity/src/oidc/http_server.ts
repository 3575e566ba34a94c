// The identity HTTP listener: sign-in pages and health here, everything else (OIDC, OpenID4VCI) to the current
// oidc-provider instance, which main.ts replaces when the issuer keys rotate.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { IdentityDeps } from '../app/deps.ts';
import { handleInteraction } from './interactions.ts';
import { handleResidentRevocation } from './resident_endpoints.ts';
import { statusListHandler } from './status_list.ts';

const maxBodyBytes = 64 * 1024;

export function createHttpServer(deps: IdentityDeps, currentProvider: () => Provider): Server {
  const statusList = statusListHandler(deps);
  return createServer((request, response) => {
    route(deps, currentProvider(), statusList, request, response).catch((error: unknown) => {
      deps.logger.error('http request failed', { path: pathOf(request), error });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'server_error', error_description: 'internal error' }));
    });
  });
}

async function route(
  deps: IdentityDeps,
  provider: Provider,
  statusList: (response: ServerResponse) => Promise<void>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = pathOf(request);
  if (Number(request.headers['content-length'] ?? 0) > maxBodyBytes) {
    response.writeHead(413, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'invalid_request', error_description: 'request body too large' }));
    return;
  }
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
