// The sign-in pages oidc-provider sends the browser to. For residents two forms: first sign-in with the
// enrollment code (choosing a password), and later sign-ins with the resident id and password. For the operator
// console one form: username and password of an operator account, and no consent page (the console is
// identity's own first-party client; what its token may carry is decided by the operator's roles).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { isDomainError } from '@citypass/platform/errors';
import type { IdentityDeps } from '../app/deps.ts';
import { completeEnrollment, signIn } from '../app/sign_in.ts';
import { signInOperator } from '../app/sign_in_operator.ts';
import { isOperatorSignInClient } from './clients.ts';
import { httpStatusOf } from './http_status.ts';

/** The sign-in forms' body limit, enforced by the HTTP listener before anything here reads the body. */
export const formBodyLimitBytes = 8 * 1024;

export async function handleInteraction(
  provider: Provider,
  deps: IdentityDeps,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<void> {
  const [, , uid, action] = path.split('/');
  const details = await interactionDetailsOf(provider, request, response);
  if (
    details === undefined ||
    uid !== details.uid ||
    (details.prompt.name !== 'login' && details.prompt.name !== 'consent')
  ) {
    sendPage(response, 400, page('This sign-in link is no longer valid. Start again from the app.'));
    return;
  }
  const forConsole = isOperatorSignInClient(details.params.client_id);
  const formAction = forConsole ? formActionOf(details.params.redirect_uri) : "'self'";
  if (forConsole && details.prompt.name === 'consent') {
    await finishConsent(provider, details, request, response);
    return;
  }
  if (request.method === 'GET' && action === undefined) {
    const html =
      details.prompt.name === 'consent'
        ? consentPage(uid)
        : forConsole
          ? operatorLoginPage(uid, '')
          : loginPage(uid, '');
    sendPage(response, 200, html, formAction);
    return;
  }
  if (forConsole) {
    await finishOperatorLogin(provider, deps, uid, request, response, formAction);
    return;
  }
  if (details.prompt.name === 'consent') {
    if (request.method !== 'POST' || action !== 'confirm') {
      sendPage(response, 405, page('Method not allowed.'));
      return;
    }
    await finishConsent(provider, details, request, response);
    return;
  }
  if (request.method !== 'POST' || (action !== 'login' && action !== 'enroll')) {
    sendPage(response, 405, page('Method not allowed.'));
    return;
  }
  const form = await readForm(request);
  if (form === undefined) {
    sendPage(response, 413, page('The form is too large.'));
    return;
  }
  try {
    const accountId =
      action === 'enroll'
        ? await completeEnrollment(deps, form.get('code') ?? '', form.get('password') ?? '')
        : await signIn(deps, form.get('resident_id') ?? '', form.get('password') ?? '');
    await provider.interactionFinished(request, response, { login: { accountId } }, { mergeWithLastSubmission: false });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    sendPage(response, httpStatusOf(error.kind), loginPage(uid, error.message));
  }
}

async function finishOperatorLogin(
  provider: Provider,
  deps: IdentityDeps,
  uid: string,
  request: IncomingMessage,
  response: ServerResponse,
  formAction: string,
): Promise<void> {
  const [, , , action] = new URL(request.url ?? '/', 'http://localhost').pathname.split('/');
  if (request.method !== 'POST' || action !== 'operator') {
    sendPage(response, 405, page('Method not allowed.'), formAction);
    return;
  }
  const form = await readForm(request);
  if (form === undefined) {
    sendPage(response, 413, page('The form is too large.'), formAction);
    return;
  }
  try {
    const accountId = await signInOperator(deps, form.get('username') ?? '', form.get('password') ?? '');
    await provider.interactionFinished(request, response, { login: { accountId } }, { mergeWithLastSubmission: false });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    sendPage(response, httpStatusOf(error.kind), operatorLoginPage(uid, error.message), formAction);
  }
}

/**
 * Where the browser may go after a form is sent: here, and (for the console) on to the console's redirect URI at
 * the end of the redirects that follow the sign-in, which Chromium checks against form-action too.
 */
function formActionOf(redirectUri: unknown): string {
  const origin = typeof redirectUri === 'string' ? URL.parse(redirectUri)?.origin : undefined;
  return origin === undefined || origin === 'null' ? "'self'" : `'self' ${origin}`;
}

/** Undefined when the interaction cookie is missing or the interaction expired (oidc-provider's SessionNotFound). */
async function interactionDetailsOf(
  provider: Provider,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<Awaited<ReturnType<Provider['interactionDetails']>> | undefined> {
  try {
    return await provider.interactionDetails(request, response);
  } catch (error) {
    if (error instanceof errors.OIDCProviderError) return undefined;
    throw error;
  }
}

// The app is first-party, but a native app's redirect can be claimed by another app on the phone, so the
// resident confirms once per sign-in (RFC 8252 section 8.6) instead of the grant being made silently.
async function finishConsent(
  provider: Provider,
  details: Awaited<ReturnType<Provider['interactionDetails']>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id;
  if (accountId === undefined || typeof clientId !== 'string') throw new Error('consent without a signed-in session');
  const grant =
    details.grantId === undefined
      ? new provider.Grant({ accountId, clientId })
      : await provider.Grant.find(details.grantId);
  if (grant === undefined) throw new Error('consent for a grant that no longer exists');
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
    grant.addResourceScope(resource, scopes.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function consentPage(uid: string): string {
  return page(`
    <p>The citypass app asks to hold your city credential on this phone.</p>
    <form method="post" action="/interaction/${escapeHtml(uid)}/confirm"><button>Allow</button></form>`);
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > formBodyLimitBytes) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendPage(response: ServerResponse, status: number, html: string, formAction = "'self'"): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}`,
    'x-frame-options': 'DENY',
  });
  response.end(html);
}

function loginPage(uid: string, message: string): string {
  const id = escapeHtml(uid);
  return page(`
    ${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
    <h2>First time</h2>
    <form method="post" action="/interaction/${id}/enroll">
      <label>Enrollment code <input name="code" autocomplete="one-time-code" required></label>
      <label>Choose a password <input name="password" type="password" autocomplete="new-password" minlength="10" required></label>
      <button>Enroll</button>
    </form>
    <h2>Sign in</h2>
    <form method="post" action="/interaction/${id}/login">
      <label>Resident id <input name="resident_id" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button>Sign in</button>
    </form>`);
}

function operatorLoginPage(uid: string, message: string): string {
  return page(`
    <h2>Operator sign-in</h2>
    ${message ? `<p role="alert" id="sign-in-error">${escapeHtml(message)}</p>` : ''}
    <form method="post" action="/interaction/${escapeHtml(uid)}/operator">
      <label>Username <input name="username" autocomplete="username" required${message ? ' aria-describedby="sign-in-error"' : ''}></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button>Sign in</button>
    </form>`);
}

export function page(body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>citypass sign-in</title><style>body{font:16px system-ui;max-width:28rem;margin:2rem auto}label{display:block;margin:.5rem 0}</style>
<main><h1>citypass</h1>${body}</main></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
