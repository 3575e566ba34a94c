// Identity's audit log, newest first, filtered by subject and action, paged by the service's own page token
// (keyset: the last id seen), so a page is as fast on the millionth entry as on the first.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { asOperatorOnIdentity, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import { field, layout } from './layout.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';

const pageSize = 25;

export function addAuditPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/audit', async (c) => {
    const session = c.get('session');
    const subject = (c.req.query('subject') ?? '').trim();
    const action = (c.req.query('action') ?? '').trim();
    const pageToken = c.req.query('page') ?? '';
    let events;
    let next = '';
    let errors = {};
    try {
      const page = await deps.identity.listAuditEvents(
        { subjectId: subject, action, pageSize, pageToken },
        await asOperatorOnIdentity(deps, session),
      );
      events = page.events;
      next = page.nextPageToken;
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      errors = fieldErrors(error);
    }
    const filter = (token: string): string =>
      `/audit?${new URLSearchParams({ subject, action, ...(token ? { page: token } : {}) }).toString()}`;
    return c.html(
      layout(
        'Audit',
        session,
        html`<form method="get" action="/audit" role="search" hx-get="/audit" hx-target="#audit-results" hx-select="#audit-results" hx-swap="outerHTML" hx-push-url="true">
${field('subject', 'Subject (a resident id, a service, an operator)', subject, (errors as Record<string, never>).subject, 'autocomplete="off"')}
${field('action', 'Action (e.g. credential.revoked)', action, (errors as Record<string, never>).action, 'autocomplete="off"')}
<p><button>Filter</button></p>
</form>
<section id="audit-results" aria-label="Audit entries">
${
  events === undefined || events.length === 0
    ? html`<p>No entries.</p>`
    : html`<table>
<caption>Newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Subject</th><th scope="col">Details</th></tr></thead>
<tbody>${events.map(
        (event) =>
          html`<tr><td>${event.occurredAt?.toISOString() ?? ''}</td><td>${event.actor}</td><td>${event.action}</td><td><code>${event.subjectId}</code></td><td><code>${event.detailsJson}</code></td></tr>`,
      )}</tbody>
</table>`
}
${next === '' ? '' : html`<p><a href="${filter(next)}" rel="next">Older entries</a></p>`}
</section>`,
        '/audit',
      ),
      events === undefined ? 422 : 200,
    );
  });
}
