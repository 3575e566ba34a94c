// Sign-in through identity (authorization code + PKCE, PAR), the callback, sign-out, and the session cookie.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { ConsoleDeps, ConsoleEnv } from './deps.ts';
import { layout } from './pages/layout.ts';
import type { PendingSignIn, Session } from './sessions.ts';

const publicPaths = new Set(['/signin', '/callback', '/healthz']);

export function cookieName(secure: boolean): string {
  // __Host-: only ever set by this origin over https, for the whole path.
  return secure ? '__Host-citypass-console' : 'citypass-console';
}

function setSessionCookie(c: Context, deps: ConsoleDeps, session: Session): void {
  const secure = new URL(deps.config.CONSOLE_PUBLIC_URL).protocol === 'https:';
  setCookie(c, cookieName(secure), session.id, {
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    path: '/',
  });
}

/**
 * Loads the session from the shared store. Without one, only sign-in starts a session (a visitor who never signs in
 * writes nothing); other pages send the browser there, and a callback without one has nothing to check.
 */
export function sessionMiddleware(deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  const secure = new URL(deps.config.CONSOLE_PUBLIC_URL).protocol === 'https:';
  return async (c, next) => {
    let session = await deps.sessions.load(getCookie(c, cookieName(secure)));
    if (session === undefined) {
      if (c.req.path === '/callback') return signInExpired(c);
      if (c.req.path !== '/signin') return toSignIn(c);
      session = await deps.sessions.create();
      setSessionCookie(c, deps, session);
    }
    c.set('session', session);
    if (session.signedIn === undefined && !publicPaths.has(c.req.path)) return toSignIn(c);
    await next();
    return undefined;
  };
}

function toSignIn(c: Context): Response {
  const back = c.req.method === 'GET' ? c.req.path + new URL(c.req.url).search : '/';
  return c.redirect(`/signin?return=${encodeURIComponent(back)}`, 303);
}

function signInExpired(c: Context): Response | Promise<Response> {
  return c.html(
    layout(
      'Sign-in expired',
      undefined,
      html`<p>This sign-in is no longer valid. <a href="/signin">Sign in again</a>.</p>`,
    ),
    400,
  );
}

/** Only a path on the console itself: never another origin (an open redirect). */
const ownOrigin = 'http://console.invalid';

/**
 * A path on the console, else '/'. Parsed as a browser would (which drops tabs and newlines, so "/\t/evil" is
 * "//evil"), and kept only if it stays on the console's own origin.
 */
export function safeReturn(value: string | undefined): string {
  const controlOrBackslash = Array.from(value ?? '', (char) => char.charCodeAt(0)).some(
    (code) => code < 0x20 || code === 0x7f || code === 0x5c,
  );
  if (value === undefined || !value.startsWith('/') || controlOrBackslash) return '/';
  try {
    const url = new URL(value, ownOrigin);
    return url.origin === ownOrigin ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
}

export function addAuthRoutes(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/signin', async (c) => {
    const session = c.get('session');
    // fresh=1: a dangerous action asks the operator to sign in again whatever their identity session says.
    const maxAgeS = c.req.query('fresh') === '1' ? 0 : undefined;
    const { pending, url } = await deps.oidc.startSignIn(safeReturn(c.req.query('return')), maxAgeS);
    await deps.sessions.change(session, (data) => {
      data.pendingSignIn = pending;
    });
    return c.redirect(url, 303);
  });
  app.get('/callback', async (c) => {
    const session = c.get('session');
    // Taken from the store (on whichever replica) before it is used: a sign-in's state answers once.
    const taken: { pending?: PendingSignIn } = {};
    await deps.sessions.changeIf(session, (data) => {
      if (data.pendingSignIn === undefined) return false;
      taken.pending = data.pendingSignIn;
      delete data.pendingSignIn;
      return true;
    });
    const pending = taken.pending;
    if (pending === undefined) return signInExpired(c);
    const returnTo = pending.returnTo;
    const signedIn = await deps.oidc.finishSignIn(pending, new URL(c.req.url, deps.config.CONSOLE_PUBLIC_URL));
    await deps.sessions.change(session, (data) => {
      // Someone else signed in on this browser: nothing the previous operator left waiting carries over.
      if (data.signedIn?.subject !== signedIn.subject) {
        delete data.pendingRevocation;
        delete data.pendingFareRules;
        delete data.pendingRiskPromotion;
        delete data.pendingServiceAction;
        delete data.pendingRefund;
        delete data.pendingKeyRotation;
      }
      data.signedIn = signedIn;
      delete data.refreshLock;
    });
    const renewed = await deps.sessions.renew(session);
    setSessionCookie(c, deps, renewed);
    deps.logger.info('operator signed in', { operator: signedIn.username, roles: signedIn.roles.join(' ') });
    return c.redirect(returnTo, 303);
  });
  app.post('/signout', async (c) => {
    const session = c.get('session');
    // Gone from the store first: every replica refuses the cookie from now on, even if identity does not answer.
    await deps.sessions.delete(session.id);
    if (session.signedIn !== undefined)
      await deps.oidc.revoke(session.signedIn.refreshToken).catch((error: unknown) => {
        deps.logger.warn('refresh token revocation failed', { error: error instanceof Error ? error.name : 'unknown' });
      });
    deleteCookie(c, cookieName(new URL(deps.config.CONSOLE_PUBLIC_URL).protocol === 'https:'), { path: '/' });
    return c.html(layout('Signed out', undefined, html`<p>You are signed out. <a href="/signin">Sign in</a></p>`));
  });
}
