// A new enrollment code for an existing resident (identity's IssueEnrollmentCode), shown as text, QR and a printable
// letter like a new resident's. It retires the resident's unused code, and enrolling with it sets a new password:
// account recovery, so a dangerous action. An operator whose last sign-in is older than CONSOLE_REAUTH_MAX_AGE_S
// signs in again first (max_age=0), then confirms, as for a revocation.
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { asOperatorOnIdentity, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { enrollmentCodeShown } from './enrollment_letter.ts';
import { alert, csrfField, layout, type Html } from './layout.ts';
import { isFormRefusal } from './refusals.ts';

/** The form on the resident's page. */
export function newEnrollmentCodeForm(session: Session, residentId: string, enrolled: boolean): Html {
  return html`<h2>New enrollment code</h2>
<p>${
    enrolled
      ? 'For a resident who lost their password or phone: enrolling with the new code sets a new password.'
      : 'For a resident whose code was lost or expired.'
  } Any unused code stops working. You may be asked to sign in again first.</p>
<form method="post" action="/residents/${residentId}/enrollment-code">
${csrfField(session)}
<p><button>Issue a new enrollment code</button></p>
</form>`;
}

function confirmPage(session: Session): Html {
  const residentId = session.pendingEnrollmentCode?.residentId;
  if (residentId === undefined)
    return layout('Nothing to confirm', session, html`<p><a href="/residents">Residents</a></p>`);
  return layout(
    'Confirm the new enrollment code',
    session,
    html`<p>You signed in again. Issue a new enrollment code for resident <code>${residentId}</code>? Their unused
code stops working.</p>
<form method="post" action="/residents/${residentId}/enrollment-code">
${csrfField(session)}
<p><button>Issue a new enrollment code</button></p>
</form>
<p><a href="/residents/${residentId}">Cancel</a></p>`,
    '/residents',
  );
}

async function issue(deps: ConsoleDeps, c: Context<ConsoleEnv>, residentId: string): Promise<Response> {
  const session = c.get('session');
  try {
    const { enrollmentCode } = await deps.identity.issueEnrollmentCode(
      { residentId },
      await asOperatorOnIdentity(deps, session),
    );
    await deps.sessions.change(session, (data) => {
      delete data.pendingEnrollmentCode;
    });
    const shown = await enrollmentCodeShown(deps, session, residentId, enrollmentCode);
    c.header('cache-control', 'no-store');
    return await c.html(
      layout(
        'New enrollment code',
        session,
        html`${shown}
<p><a href="/residents/${residentId}" id="resident-link">Back to the resident</a></p>`,
        '/residents',
      ),
    );
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return c.html(
      layout(
        'No new enrollment code',
        session,
        html`${alert({ message: error.message, reason: error.reason })}<p><a href="/residents">Residents</a></p>`,
        '/residents',
      ),
      422,
    );
  }
}

export function addNewEnrollmentCodePages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/residents/:id/enrollment-code/confirm', (c) => c.html(confirmPage(c.get('session'))));
  app.post('/residents/:id/enrollment-code', async (c) => {
    const session = c.get('session');
    const residentId = c.req.param('id');
    const signedIn = session.signedIn;
    if (signedIn === undefined) return c.redirect('/signin', 303);
    if (deps.now() - signedIn.authTimeMs > deps.config.CONSOLE_REAUTH_MAX_AGE_S * 1000) {
      await deps.sessions.change(session, (data) => {
        data.pendingEnrollmentCode = { residentId };
      });
      const back = `/residents/${encodeURIComponent(residentId)}/enrollment-code/confirm`;
      return c.redirect(`/signin?fresh=1&return=${encodeURIComponent(back)}`, 303);
    }
    return issue(deps, c, residentId);
  });
}
