// Identity's signing keys: the public keys it publishes (its JWKS: key id and algorithm; identity publishes nothing
// more about them), and rotating them (RotateSigningKey): a new key is published at once and signs after its
// activation delay, so verifiers fetch it before it is used. Admins only (identity checks the role and the scope
// again), with a reason kept in the audit log; dangerous, so an operator whose last sign-in is older than
// CONSOLE_REAUTH_MAX_AGE_S signs in again first (max_age=0), then confirms, as revoking a credential does.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { identityReasons } from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';
import { asOperatorOnIdentity, type ConsoleContext, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { PublishedKey } from '../oidc_client.ts';
import type { Session } from '../sessions.ts';
import { alert, csrfField, field, layout, notice, type FieldError, type Html } from './layout.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';

export const signingKeysPath = '/keys';

/** Only admins rotate identity's keys; the page says so before identity would. */
export function isAdmin(session: Session | undefined): boolean {
  return session?.signedIn?.roles.includes('admin') === true;
}

function requireAdmin(session: Session): void {
  if (!isAdmin(session))
    throw permissionDenied(identityReasons.OPERATOR_ROLE_MISSING, "identity's signing keys are for admins");
}

interface Rotated {
  readonly kid: string;
  readonly activatesAt: string;
}

function keysPage(
  session: Session,
  keys: readonly PublishedKey[],
  extra: { rotated?: Rotated; errors?: Record<string, FieldError>; reason?: string } = {},
): Html {
  const errors = extra.errors ?? {};
  const rotated = extra.rotated;
  return layout(
    'Signing keys',
    session,
    html`${rotated === undefined ? '' : notice(`Key ${rotated.kid} is published; it signs from ${rotated.activatesAt}.`)}
<table id="signing-keys"><caption>The keys identity publishes (its JWKS)</caption>
<thead><tr><th scope="col">Key id</th><th scope="col">Algorithm</th><th scope="col">Status</th></tr></thead>
<tbody>${keys.map(
      (key) =>
        html`<tr><td><code>${key.kid}</code></td><td>${key.algorithm}</td><td>${
          key.kid === rotated?.kid ? `published, signs from ${rotated.activatesAt}` : 'published'
        }</td></tr>`,
    )}</tbody></table>
<p>Identity publishes each key's id and algorithm only; the audit log has when each was rotated, by whom and why.</p>
<h2>Rotate</h2>
<p>A new key is published at once and signs after its activation delay; credentials signed by the old key stay valid
while it is published. One rotation at a time. You may be asked to sign in again first.</p>
<form method="post" action="${signingKeysPath}/rotate">
${csrfField(session)}
${errors.form === undefined ? '' : alert(errors.form)}
${field('reason', 'Reason (kept in the audit log)', extra.reason ?? '', errors.reason, 'required maxlength="200" autocomplete="off"')}
<p><button>Rotate the signing key</button></p>
</form>
<p><a href="/audit?action=signing_key.rotated">Past rotations in the audit log</a></p>`,
    signingKeysPath,
  );
}

function confirmPage(session: Session): Html {
  const pending = session.pendingKeyRotation;
  if (pending === undefined)
    return layout('Nothing to confirm', session, html`<p><a href="${signingKeysPath}">Signing keys</a></p>`);
  return layout(
    'Confirm the key rotation',
    session,
    html`<p>You signed in again. Rotate identity's signing key with the reason “${pending.reason}”?</p>
<form method="post" action="${signingKeysPath}/rotate">
${csrfField(session)}
<input type="hidden" name="reason" value="${pending.reason}">
<p><button>Rotate the signing key</button></p>
</form>
<p><a href="${signingKeysPath}">Cancel</a></p>`,
    signingKeysPath,
  );
}

async function rotate(deps: ConsoleDeps, c: ConsoleContext, reason: string): Promise<Response> {
  const session = c.get('session');
  try {
    const rotated = await deps.identity.rotateSigningKey({ reason }, await asOperatorOnIdentity(deps, session));
    await deps.sessions.change(session, (data) => {
      delete data.pendingKeyRotation;
    });
    const query = new URLSearchParams({ rotated: rotated.kid, activates: rotated.activatesAt?.toISOString() ?? '' });
    return c.redirect(`${signingKeysPath}?${query.toString()}`, 303);
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return c.html(keysPage(session, await deps.oidc.publishedKeys(), { errors: fieldErrors(error), reason }), 422);
  }
}

export function addSigningKeyPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get(signingKeysPath, async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const kid = c.req.query('rotated');
    const rotated = kid === undefined ? {} : { rotated: { kid, activatesAt: c.req.query('activates') ?? '' } };
    return c.html(keysPage(session, await deps.oidc.publishedKeys(), rotated));
  });
  app.get(`${signingKeysPath}/rotate/confirm`, (c) => {
    requireAdmin(c.get('session'));
    return c.html(confirmPage(c.get('session')));
  });
  app.post(`${signingKeysPath}/rotate`, async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const body = await c.req.parseBody();
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    const signedIn = session.signedIn;
    if (signedIn === undefined) return c.redirect('/signin', 303);
    if (deps.now() - signedIn.authTimeMs > deps.config.CONSOLE_REAUTH_MAX_AGE_S * 1000) {
      await deps.sessions.change(session, (data) => {
        data.pendingKeyRotation = { reason };
      });
      return c.redirect(`/signin?fresh=1&return=${encodeURIComponent(`${signingKeysPath}/rotate/confirm`)}`, 303);
    }
    return rotate(deps, c, reason);
  });
}
