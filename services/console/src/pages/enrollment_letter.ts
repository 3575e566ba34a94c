// An enrollment code as the operator sees it (text, QR) and as a printable letter for the resident. The console never
// stores the code: the page that shows it carries it in a form, and the letter is rendered from what that form sends
// back. The session keeps only a random ticket, so the letter opens once, and only while the code is valid.
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { EnrollmentCode } from '@citypass/proto/identity/v1/identity';
import { asOperatorOnIdentity, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { csrfField, layout, type Html } from './layout.ts';
import { qrCode } from './qr.ts';

/** identity's codes: 12 Crockford base32 characters in groups of four. */
const codeShape = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

/** A date as a resident reads it on paper, in UTC. */
function onPaper(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The code as text and QR and the button to its letter; remembers the letter's one-time ticket in the session. */
export async function enrollmentCodeShown(
  deps: ConsoleDeps,
  session: Session,
  residentId: string,
  enrollmentCode: EnrollmentCode | undefined,
): Promise<Html> {
  const code = enrollmentCode?.code ?? '';
  const expiresAt = enrollmentCode?.expiresAt ?? new Date(0);
  const ticket = randomBytes(16).toString('base64url');
  await deps.sessions.change(session, (data) => {
    data.pendingLetter = { residentId, ticket, expiresAtMs: expiresAt.getTime() };
  });
  return html`<p>Give the resident this enrollment code (valid until
${expiresAt.toISOString()}). They enter it, or scan it, in the citypass app.</p>
<p class="secret" id="enrollment-code">${code}</p>
${qrCode(code, `Enrollment code ${code} as a QR code`)}
<form method="post" action="/residents/${residentId}/letter">
${csrfField(session)}
<input type="hidden" name="ticket" value="${ticket}">
<input type="hidden" name="code" value="${code}">
<p><button>Open the printable letter</button> (once: the console does not keep the code)</p>
</form>`;
}

function letterRefused(session: Session, residentId: string): Html {
  return layout(
    'The letter cannot be opened',
    session,
    html`<p role="alert">A letter opens once, while its code is valid, in the session that was shown the code. Issue a
new enrollment code on the resident's page for a new letter.</p>
<p><a href="/residents/${residentId}">Back to the resident</a></p>`,
    '/residents',
  );
}

async function letterPage(deps: ConsoleDeps, session: Session, residentId: string, code: string, expiresAt: Date) {
  const { resident } = await deps.identity.getResident({ residentId }, await asOperatorOnIdentity(deps, session));
  const name = `${resident?.givenName ?? ''} ${resident?.familyName ?? ''}`;
  return layout(
    'Your citypass enrollment',
    session,
    html`<p class="no-print notice" role="status">Print this page with your browser (Ctrl+P or ⌘P): the navigation and
this note are left off the paper. It opens only this once; reload it and it is gone.</p>
<article class="letter" aria-labelledby="letter-to">
<p id="letter-to">Dear ${name},</p>
<p>citypass is your one pass for the metro, clinics and city services, kept on your phone. To set it up, use this
enrollment code:</p>
<p class="secret letter-code" id="letter-code">${code}</p>
${qrCode(code, `Your enrollment code ${code} as a QR code`)}
<h2>How to enroll</h2>
<ol>
<li>Install the citypass app on your phone.</li>
<li>Choose “Enroll” and scan the QR code above, or type the code (dashes and case do not matter).</li>
<li>Choose a password of 10 characters or more. Your phone then receives your citypass credential.</li>
</ol>
<p>The code works once and expires on <strong id="letter-expiry">${onPaper(expiresAt)}</strong>. If it has expired,
ask at any city service desk for a new one.</p>
<p>Keep this letter private: anyone holding the code can enroll in your name until you do.</p>
</article>
<p class="no-print"><a href="/residents/${residentId}">Back to the resident</a></p>`,
    '/residents',
  );
}

export function addEnrollmentLetterPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.post('/residents/:id/letter', async (c) => {
    const session = c.get('session');
    const residentId = c.req.param('id');
    const body = await c.req.parseBody();
    const ticket = typeof body.ticket === 'string' ? body.ticket : '';
    const code = typeof body.code === 'string' ? body.code : '';
    let expiresAtMs = 0;
    const opened = await deps.sessions.changeIf(session, (data) => {
      const pending = data.pendingLetter;
      if (pending === undefined || pending.ticket !== ticket || pending.residentId !== residentId) return false;
      expiresAtMs = pending.expiresAtMs;
      delete data.pendingLetter;
      return true;
    });
    c.header('cache-control', 'no-store');
    if (!opened || expiresAtMs <= deps.now() || !codeShape.test(code))
      return c.html(letterRefused(session, residentId), 410);
    return c.html(await letterPage(deps, session, residentId, code, new Date(expiresAtMs)));
  });
}
