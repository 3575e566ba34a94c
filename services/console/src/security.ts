// What every console response carries (a strict CSP: scripts and styles only from the console's origin, no inline
// script or style, no framing) and the per-session CSRF check every POST passes before its handler runs.
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ConsoleEnv } from './deps.ts';

export function securityHeaders(identityOrigin: string): MiddlewareHandler {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    // A sign-in again (a revocation posted with an old sign-in) redirects the form on to identity.
    `form-action 'self' ${identityOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return async (c, next) => {
    await next();
    c.header('content-security-policy', csp);
    c.header('x-content-type-options', 'nosniff');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'no-referrer');
    c.header('cross-origin-opener-policy', 'same-origin');
    if (c.res.headers.get('cache-control') === null) c.header('cache-control', 'no-store');
  };
}

export const csrfCheck: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.req.method === 'POST') {
    const body = await c.req.parseBody();
    const sent = typeof body.csrf === 'string' ? Buffer.from(body.csrf) : Buffer.alloc(0);
    const expected = Buffer.from(c.get('session').csrfToken);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected))
      return c.text('This form is out of date (or was not sent by the console). Go back, reload and try again.', 403);
  }
  await next();
  return undefined;
};
