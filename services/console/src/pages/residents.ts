// Residents: find them (a searchable, paged list: resident_list.ts), create one (the enrollment code shown as text,
// as a QR code and as a printable letter: enrollment_letter.ts), see one's active credential and every credential
// with its phone (resident_credentials.ts), issue a new code (new_enrollment_code.ts), and revoke a credential with a
// reason. Revoking is dangerous: an operator whose last sign-in is older than CONSOLE_REAUTH_MAX_AGE_S signs in
// again first (max_age=0), then confirms.
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { asOperatorOnIdentity, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { alert, csrfField, field, layout, notice, type FieldError, type Html } from './layout.ts';
import { concessionName, concessions, concessionWire } from './concessions.ts';
import { addEnrollmentLetterPages, enrollmentCodeShown } from './enrollment_letter.ts';
import { addNewEnrollmentCodePages, newEnrollmentCodeForm } from './new_enrollment_code.ts';
import { credentialHistory, findCredentials } from './resident_credentials.ts';
import { findResidents, residentResults, residentSearchForm, type ResidentList } from './resident_list.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';

type Body = Record<string, unknown>;
const text = (body: Body, name: string): string => (typeof body[name] === 'string' ? body[name].trim() : '');

function residentsPage(
  session: Session,
  values: Body,
  errors: Record<string, FieldError> = {},
  list: ResidentList = { search: { search: '', pageToken: '' }, page: undefined, error: undefined },
): Html {
  const key = text(values, 'idempotency_key') || randomBytes(16).toString('base64url');
  const concession = text(values, 'concession') || 'adult';
  return layout(
    'Residents',
    session,
    html`<h2>Find residents</h2>
${residentSearchForm(list.search.search, list.error)}
${residentResults(list)}
<h2>Create a resident</h2>
${errors.form === undefined ? '' : alert(errors.form)}
<form method="post" action="/residents">
${csrfField(session)}
<input type="hidden" name="idempotency_key" value="${key}">
${field('given_name', 'Given name', text(values, 'given_name'), errors.given_name, 'required autocomplete="off"')}
${field('family_name', 'Family name', text(values, 'family_name'), errors.family_name, 'required autocomplete="off"')}
${field('birth_date', 'Birth date', text(values, 'birth_date'), errors.birth_date, 'type="date" required')}
<div class="field"><label for="concession">Concession</label>
<select id="concession" name="concession">${concessions.map(
      (option) => html`<option value="${option}"${option === concession ? ' selected' : ''}>${option}</option>`,
    )}</select></div>
${field('coverage_plan_ref', 'Coverage plan (optional)', text(values, 'coverage_plan_ref'), errors.coverage_plan_ref, 'autocomplete="off"')}
<p><button>Create resident</button></p>
</form>`,
    '/residents',
  );
}

async function residentPage(
  deps: ConsoleDeps,
  session: Session,
  residentId: string,
  extra: { notice?: string; errors?: Record<string, FieldError>; reason?: string; credentialsPage?: string } = {},
): Promise<Html> {
  const { resident, activeCredential } = await deps.identity.getResident(
    { residentId },
    await asOperatorOnIdentity(deps, session),
  );
  const history = await findCredentials(deps, session, residentId, extra.credentialsPage ?? '');
  const concession = concessionName(resident?.concessionClass);
  const errors = extra.errors ?? {};
  return layout(
    `${resident?.givenName ?? ''} ${resident?.familyName ?? ''}`,
    session,
    html`${extra.notice === undefined ? '' : notice(extra.notice)}
<dl>
<dt>Resident id</dt><dd><code id="resident-id">${residentId}</code></dd>
<dt>Born</dt><dd>${resident?.birthDate ?? ''}</dd>
<dt>Concession</dt><dd>${concession}</dd>
<dt>Coverage plan</dt><dd>${resident?.coveragePlanRef || 'none'}</dd>
<dt>Enrolled</dt><dd>${resident?.enrolled === true ? 'yes' : 'not yet'}</dd>
</dl>
<h2>Active credential</h2>
${
  activeCredential === undefined
    ? html`<p id="no-credential">No active credential.</p>`
    : html`<dl>
<dt>Credential id</dt><dd><code id="credential-id">${activeCredential.credentialId}</code></dd>
<dt>Issued</dt><dd>${activeCredential.issuedAt?.toISOString() ?? ''}</dd>
<dt>Expires</dt><dd>${activeCredential.expiresAt?.toISOString() ?? ''}</dd>
</dl>
<h3>Revoke it</h3>
<p>Gates and the wallet refuse it from then on. You may be asked to sign in again first.</p>
${errors.form === undefined ? '' : alert(errors.form)}
<form method="post" action="/residents/${residentId}/revoke">
${csrfField(session)}
<input type="hidden" name="credential_id" value="${activeCredential.credentialId}">
${field('reason', 'Reason (kept in the audit log)', extra.reason ?? '', errors.reason, 'required maxlength="200" autocomplete="off"')}
<p><button>Revoke credential</button></p>
</form>`
}
${credentialHistory(residentId, history)}
${newEnrollmentCodeForm(session, residentId, resident?.enrolled === true)}
<p><a href="/audit?subject=${encodeURIComponent(residentId)}">Audit entries about this resident</a></p>`,
    '/residents',
  );
}

function confirmRevocationPage(session: Session): Html {
  const pending = session.pendingRevocation;
  if (pending === undefined)
    return layout('Nothing to confirm', session, html`<p><a href="/residents">Residents</a></p>`);
  return layout(
    'Confirm the revocation',
    session,
    html`<p>You signed in again. Revoke credential <code>${pending.credentialId}</code> of resident
<code>${pending.residentId}</code> with the reason “${pending.reason}”?</p>
<form method="post" action="/residents/${pending.residentId}/revoke">
${csrfField(session)}
<input type="hidden" name="credential_id" value="${pending.credentialId}">
<input type="hidden" name="reason" value="${pending.reason}">
<p><button>Revoke credential</button></p>
</form>
<p><a href="/residents/${pending.residentId}">Cancel</a></p>`,
    '/residents',
  );
}

export function addResidentPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  addEnrollmentLetterPages(app, deps);
  addNewEnrollmentCodePages(app, deps);
  app.get('/residents', async (c) => {
    const session = c.get('session');
    const search = { search: (c.req.query('search') ?? '').trim(), pageToken: c.req.query('page') ?? '' };
    const list = await findResidents(deps, session, search);
    return c.html(residentsPage(session, {}, {}, list), list.error === undefined ? 200 : 422);
  });
  app.post('/residents', async (c) => {
    const session = c.get('session');
    const body = await c.req.parseBody();
    try {
      const created = await deps.identity.createResident(
        {
          idempotencyKey: text(body, 'idempotency_key'),
          givenName: text(body, 'given_name'),
          familyName: text(body, 'family_name'),
          birthDate: text(body, 'birth_date'),
          concessionClass: concessionWire[text(body, 'concession')] ?? ConcessionClass.CONCESSION_CLASS_UNSPECIFIED,
          coveragePlanRef: text(body, 'coverage_plan_ref'),
        },
        await asOperatorOnIdentity(deps, session),
      );
      const residentId = created.resident?.residentId ?? '';
      const shown = await enrollmentCodeShown(deps, session, residentId, created.enrollmentCode);
      c.header('cache-control', 'no-store');
      return await c.html(
        layout(
          'Resident created',
          session,
          html`${shown}
<p><a href="/residents/${residentId}" id="resident-link">${created.resident?.givenName ?? ''} ${created.resident?.familyName ?? ''}</a></p>`,
          '/residents',
        ),
      );
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(residentsPage(session, body, fieldErrors(error)), 422);
    }
  });
  app.get('/residents/:id', async (c) => {
    const session = c.get('session');
    const credentialsPage = c.req.query('page') ?? '';
    const revoked = c.req.query('revoked') === '1';
    return c.html(
      await residentPage(deps, session, c.req.param('id'), {
        credentialsPage,
        ...(revoked ? { notice: 'The credential is revoked.' } : {}),
      }),
    );
  });
  app.get('/residents/:id/revoke/confirm', (c) => c.html(confirmRevocationPage(c.get('session'))));
  app.post('/residents/:id/revoke', async (c) => {
    const session = c.get('session');
    const residentId = c.req.param('id');
    const body = await c.req.parseBody();
    const pending = { residentId, credentialId: text(body, 'credential_id'), reason: text(body, 'reason') };
    const signedIn = session.signedIn;
    if (signedIn === undefined) return c.redirect('/signin', 303);
    if (deps.now() - signedIn.authTimeMs > deps.config.CONSOLE_REAUTH_MAX_AGE_S * 1000) {
      await deps.sessions.change(session, (data) => {
        data.pendingRevocation = pending;
      });
      const back = `/residents/${encodeURIComponent(residentId)}/revoke/confirm`;
      return c.redirect(`/signin?fresh=1&return=${encodeURIComponent(back)}`, 303);
    }
    try {
      await deps.identity.revokeCredential(
        { credentialId: pending.credentialId, reason: pending.reason },
        await asOperatorOnIdentity(deps, session),
      );
      await deps.sessions.change(session, (data) => {
        delete data.pendingRevocation;
      });
      return c.redirect(`/residents/${encodeURIComponent(residentId)}?revoked=1`, 303);
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(
        await residentPage(deps, session, residentId, { errors: fieldErrors(error), reason: pending.reason }),
        422,
      );
    }
  });
}
