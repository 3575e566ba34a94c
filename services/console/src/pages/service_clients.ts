// One onboarded service's OIDC client: its state, a new client secret (shown once), and suspending or resuming it
// with a reason. All three are dangerous: an operator whose last sign-in is older than CONSOLE_REAUTH_MAX_AGE_S
// signs in again first (max_age=0), then confirms, as revoking a credential does (residents.ts).
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { ServiceClient } from '@citypass/proto/identity/v1/identity';
import { asOperatorOnIdentity, type ConsoleContext, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { PendingServiceAction, Session } from '../sessions.ts';
import { alert, csrfField, field, layout, notice, type FieldError, type Html } from './layout.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';

type Action = PendingServiceAction['action'];
const actions: readonly Action[] = ['rotate-secret', 'suspend', 'resume'];
const labels: Readonly<Record<Action, string>> = {
  'rotate-secret': 'Rotate the client secret',
  suspend: 'Suspend the service',
  resume: 'Resume the service',
};
const done: Readonly<Record<string, string>> = {
  suspended: 'The service is suspended: its token requests are refused.',
  resumed: 'The service is resumed: it can get tokens again.',
};

export const serviceClientPath = (clientId: string): string => `/services/${encodeURIComponent(clientId)}/client`;

function actionForm(session: Session, clientId: string, action: Action, reason = '', key = ''): Html {
  const path = `${serviceClientPath(clientId)}/${action}`;
  return html`<form method="post" action="${path}">
${csrfField(session)}
<input type="hidden" name="idempotency_key" value="${key || randomBytes(16).toString('base64url')}">
${action === 'rotate-secret' ? '' : html`<input type="hidden" name="reason" value="${reason}">`}
<p><button>${labels[action]}</button></p>
</form>`;
}

function servicePage(
  session: Session,
  service: ServiceClient,
  extra: { notice?: string; errors?: Record<string, FieldError>; reason?: string } = {},
): Html {
  const errors = extra.errors ?? {};
  const suspended = service.status === 'suspended';
  const next: Action = suspended ? 'resume' : 'suspend';
  return layout(
    `Service ${service.clientId}`,
    session,
    html`${extra.notice === undefined ? '' : notice(extra.notice)}
<dl>
<dt>Client id</dt><dd><code id="client-id">${service.clientId}</code></dd>
<dt>Name</dt><dd>${service.displayName}</dd>
<dt>Status</dt><dd id="status">${service.status}${
      suspended ? html` since ${service.suspendedAt?.toISOString() ?? ''}: “${service.suspensionReason}”` : ''
    }</dd>
<dt>Scopes</dt><dd>${service.scopes.join(' ')}</dd>
<dt>Signs in with</dt><dd>${service.tokenEndpointAuthMethod}</dd>
<dt>Secret version</dt><dd>${
      service.secretVersion === 0
        ? 'no secret (its own keys)'
        : html`${service.secretVersion}${
            service.secretRotatedAt === undefined ? '' : html`, rotated ${service.secretRotatedAt.toISOString()}`
          }`
    }</dd>
</dl>
${errors.form === undefined ? '' : alert(errors.form)}
${
  service.secretVersion === 0
    ? ''
    : html`<h2>Rotate the client secret</h2>
<p>The new secret is shown once. The old one stops working at once; tokens the service already holds keep working
until they expire (at most 5 minutes). You may be asked to sign in again first.</p>
${actionForm(session, service.clientId, 'rotate-secret')}`
}
<h2>${suspended ? 'Resume' : 'Suspend'}</h2>
<p>${
      suspended
        ? 'The service can get tokens again once resumed.'
        : 'A suspended service gets no new tokens (invalid_client), and the tokens it already holds are refused too, except to void holds and refund.'
    } You may be asked to sign in again first.</p>
<form method="post" action="${serviceClientPath(service.clientId)}/${next}">
${csrfField(session)}
${field('reason', 'Reason (kept in the audit log)', extra.reason ?? '', errors.reason, 'required maxlength="200" autocomplete="off"')}
<p><button>${labels[next]}</button></p>
</form>
<p><a href="/audit?subject=${encodeURIComponent(service.clientId)}">Audit entries about this service</a></p>`,
  );
}

function confirmPage(session: Session, pending: PendingServiceAction | undefined, clientId: string): Html {
  if (pending?.clientId !== clientId) return layout('Nothing to confirm', session, html`<p><a href="/">Home</a></p>`);
  return layout(
    'Confirm',
    session,
    html`<p>You signed in again. ${labels[pending.action]} <code>${pending.clientId}</code>${
      pending.action === 'rotate-secret' ? '' : html` with the reason “${pending.reason}”`
    }?</p>
${actionForm(session, clientId, pending.action, pending.reason, pending.idempotencyKey)}
<p><a href="${serviceClientPath(clientId)}">Cancel</a></p>`,
  );
}

function rotatedPage(session: Session, service: ServiceClient, clientSecret: string): Html {
  return layout(
    `New secret for ${service.clientId}`,
    session,
    html`<p>Give this to the service's operators now. It is not kept in the console and is not shown again; the
old secret no longer works.</p>
<dl>
<dt>Client id</dt><dd><code id="client-id">${service.clientId}</code></dd>
<dt>Client secret</dt><dd><p class="secret" id="client-secret">${clientSecret}</p></dd>
<dt>Secret version</dt><dd>${service.secretVersion}</dd>
</dl>
<p><a href="${serviceClientPath(service.clientId)}">Back to ${service.clientId}</a></p>`,
  );
}

const text = (body: Record<string, unknown>, name: string): string =>
  typeof body[name] === 'string' ? body[name].trim() : '';

async function runAction(deps: ConsoleDeps, c: ConsoleContext, pending: PendingServiceAction): Promise<Response> {
  const session = c.get('session');
  const as = await asOperatorOnIdentity(deps, session);
  const back = serviceClientPath(pending.clientId);
  try {
    if (pending.action === 'rotate-secret') {
      const rotated = await deps.identity.rotateServiceSecret(
        { idempotencyKey: pending.idempotencyKey, clientId: pending.clientId },
        as,
      );
      await deps.sessions.change(session, (data) => {
        delete data.pendingServiceAction;
      });
      c.header('cache-control', 'no-store');
      return await c.html(rotatedPage(session, rotated.service as ServiceClient, rotated.clientSecret));
    }
    const request = { clientId: pending.clientId, reason: pending.reason };
    if (pending.action === 'suspend') await deps.identity.suspendService(request, as);
    else await deps.identity.resumeService(request, as);
    await deps.sessions.change(session, (data) => {
      delete data.pendingServiceAction;
    });
    return c.redirect(`${back}?done=${pending.action === 'suspend' ? 'suspended' : 'resumed'}`, 303);
  } catch (error) {
    if (!isFormRefusal(error) || error.reason === 'SERVICE_NOT_FOUND') throw error;
    const { service } = await deps.identity.getServiceClient({ clientId: pending.clientId }, as);
    return c.html(
      servicePage(session, service as ServiceClient, { errors: fieldErrors(error), reason: pending.reason }),
      422,
    );
  }
}

export function addServiceClientPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/services/:id/client', async (c) => {
    const session = c.get('session');
    let service;
    try {
      ({ service } = await deps.identity.getServiceClient(
        { clientId: c.req.param('id') },
        await asOperatorOnIdentity(deps, session),
      ));
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(layout('No such service', session, alert(error)), 404);
    }
    const message = done[c.req.query('done') ?? ''];
    return c.html(servicePage(session, service as ServiceClient, message === undefined ? {} : { notice: message }));
  });
  app.get('/services/:id/client/confirm', (c) =>
    c.html(confirmPage(c.get('session'), c.get('session').pendingServiceAction, c.req.param('id'))),
  );
  for (const action of actions) {
    app.post(`/services/:id/client/${action}`, async (c) => {
      const session = c.get('session');
      const body = await c.req.parseBody();
      const pending: PendingServiceAction = {
        clientId: c.req.param('id'),
        action,
        reason: text(body, 'reason'),
        idempotencyKey: text(body, 'idempotency_key') || randomBytes(16).toString('base64url'),
      };
      const signedIn = session.signedIn;
      if (signedIn === undefined) return c.redirect('/signin', 303);
      if (deps.now() - signedIn.authTimeMs > deps.config.CONSOLE_REAUTH_MAX_AGE_S * 1000) {
        await deps.sessions.change(session, (data) => {
          data.pendingServiceAction = pending;
        });
        const back = `${serviceClientPath(pending.clientId)}/confirm`;
        return c.redirect(`/signin?fresh=1&return=${encodeURIComponent(back)}`, 303);
      }
      return runAction(deps, c, pending);
    });
  }
}
