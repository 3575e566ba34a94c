// The one place identity's HTTP listener bounds request bodies, for its own endpoints and the oidc-provider
// routes alike. A body over its route's limit is answered 413 without being read: a Content-Length over the
// limit (or any chunked body where no body is taken) is refused before a byte of it is read; a chunked body is
// counted as the HTTP parser hands it over (whoever reads it) and refused the moment it passes the limit. The
// refusal closes the connection once the 413 is written, so the rest of the body is never read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { identityReasons } from '@citypass/contracts';

export const tooLargeBody = {
  error: 'invalid_request',
  error_description: 'the request body is too large',
  reason: identityReasons.BODY_TOO_LARGE,
} as const;

/**
 * Guards one request's body. Returns false when the request was refused already (the caller must not route it);
 * otherwise the request may be routed, and is refused later if its chunked body grows past `limitBytes`.
 */
export function guardBody(request: IncomingMessage, response: ServerResponse, limitBytes: number): boolean {
  let received = 0;
  let refused = false;
  const refuse = (): void => {
    if (refused) return;
    refused = true;
    refuseTooLarge(request, response);
  };
  // The HTTP parser pushes each body chunk into the request stream: counting here sees every byte once, before
  // any handler reads it (and also the bytes Node would otherwise drain unseen after the response).
  const push = request.push.bind(request);
  request.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null) return push(chunk, encoding);
    received += Buffer.isBuffer(chunk) ? chunk.length : 0;
    if (received > limitBytes) refuse();
    // Past the limit nothing reaches a handler, and false stops the parser reading from the socket.
    return refused ? false : push(chunk, encoding);
  };
  const announced = request.headers['content-length'];
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if ((announced !== undefined && Number(announced) > limitBytes) || (chunked && limitBytes === 0)) {
    refuse();
    return false;
  }
  return true;
}

function refuseTooLarge(request: IncomingMessage, response: ServerResponse): void {
  // Destroying the request ends any handler still waiting for its body, and the socket with it.
  if (response.headersSent) {
    request.destroy();
    return;
  }
  response.writeHead(413, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' });
  response.end(JSON.stringify(tooLargeBody), () => request.destroy());
}
